import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const runCli = (...args: string[]) =>
  spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

describe('mnist-lab (built CLI, child process)', () => {
  it('prints help listing its commands and exits 0', () => {
    const r = runCli('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Usage: mnist-lab');
    expect(r.stdout).toContain('backends');
  });

  it('exits 2 and names an unknown option', () => {
    const r = runCli('--no-such-flag');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--no-such-flag');
  });

  it('lists backends as JSON lines with wasm and cpu available', () => {
    const r = runCli('backends', '--json');
    expect(r.status).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { backend: string; available: boolean });
    expect(rows.find((p) => p.backend === 'wasm')?.available).toBe(true);
    expect(rows.find((p) => p.backend === 'cpu')?.available).toBe(true);
    expect(rows.find((p) => p.backend === 'tensorflow')?.available).toBe(false);
  });
});
