/**
 * Environment variables as the functions that read them take them: `process.env` in Node, or any
 * object of the same shape. Declared here rather than as `NodeJS.ProcessEnv` so that the types
 * compile in a project without `@types/node`.
 */
export type Environment = Readonly<Record<string, string | undefined>>;
