import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROBE = 'tests/support/log-probe.ts';
const run = promisify(execFile);
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** The probe's stdout, piped (as a log shipper reads it) or under a pseudo-terminal (util-linux `script`, as a developer sees it). */
async function probe(env: Record<string, string>, terminal: boolean): Promise<string> {
  const command = [process.execPath, '--import', 'tsx', PROBE];
  const options = { cwd: ROOT, env: { ...process.env, LOG_FORMAT: '', NODE_ENV: 'development', ...env } };
  const { stdout } = terminal
    ? await run('script', ['-qec', command.map((part) => `'${part}'`).join(' '), '/dev/null'], options)
    : await run(command[0] ?? '', command.slice(1), options);
  return stdout.replace(ANSI, '').replace(/\r/g, '').trim();
}

function expectPretty(output: string): void {
  expect(output).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: probe line \{.*\}$/);
  expect(output).toContain('"event":"probe"');
  expect(output).toContain('"requestId":"r-1"');
  expect(output).toContain('"durationMs":12.5');
  expect(output).toContain('"secret":"[redacted]"');
  expect(() => JSON.parse(output)).toThrow();
}

function expectJson(output: string): void {
  expect(JSON.parse(output)).toMatchObject({ level: 30, service: 'iam-subgraph', event: 'probe', requestId: 'r-1', secret: '[redacted]', msg: 'probe line' });
}

describe('console logs', () => {
  it('are readable lines with the same fields at a terminal', async () => {
    expectPretty(await probe({}, true));
  });

  it('are JSON when piped', async () => {
    expectJson(await probe({}, false));
  });

  it('are JSON with NODE_ENV=production, even at a terminal', async () => {
    expectJson(await probe({ NODE_ENV: 'production' }, true));
  });

  it('follow LOG_FORMAT either way', async () => {
    expectJson(await probe({ LOG_FORMAT: 'json' }, true));
    expectPretty(await probe({ LOG_FORMAT: 'pretty' }, false));
    expectPretty(await probe({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' }, false));
  });
});
