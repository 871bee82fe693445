import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../../src/infra/db/embedded-postgres.ts', import.meta.url));
const BINARIES = fileURLToPath(new URL('../../../src/infra/db/postgres-binaries.ts', import.meta.url));

describe('loading the embedded PostgreSQL', () => {
  // The embedded-postgres library's main module installs async-exit-hook, which would call
  // process.exit(0) on beforeExit (CI once went green over a red test run) and take over signals.
  it('keeps the exit code a process chose and leaves its signals alone', () => {
    const script = [
      `const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit'];`,
      'const before = events.map((e) => process.listenerCount(e));',
      `await import(${JSON.stringify(MODULE)});`,
      `const b = await import(${JSON.stringify(BINARIES)});`,
      'const found = await b.loadPostgresBinaries();',
      `if (!found.postgres.endsWith('postgres')) throw new Error('no postgres binary');`,
      'const hooked = events.filter((e, i) => process.listenerCount(e) !== before[i]);',
      `if (hooked.length > 0) throw new Error('listeners on ' + hooked.join(', '));`,
      'process.exitCode = 3;',
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(3);
  });
});
