import { defineConfig } from 'vitest/config';

// The CLI's tests mostly wait on the processes they start: two test files at a time (vitest's
// default on a two-core machine is one), so that the long files overlap instead of queueing.
export default defineConfig({ test: { maxWorkers: 2 } });
