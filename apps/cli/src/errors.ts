/** Bad usage: a flag, a config field or an argument that is not valid. Exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
