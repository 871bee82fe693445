import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface ChildService {
  process: ChildProcess;
  url: string;
  /** Everything it wrote to stdout, line by line (JSON log lines and the bootstrap key line). */
  lines: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface ChildServiceOptions {
  timeoutMs?: number;
  /** Leader of a process group of its own, as a command started in a terminal is (signal it with `-pid`). */
  processGroup?: boolean;
}

/** Runs `src/main.ts` in its own process, as `npm start` would, and waits until it listens. */
export async function startChildService(env: Record<string, string>, options: ChildServiceOptions = {}): Promise<ChildService> {
  const { timeoutMs = 60_000, processGroup = false } = options;
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: processGroup,
  });
  const lines: string[] = [];
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL'); // nobody could stop it otherwise: the caller gets no handle
      reject(new Error(`service did not start in ${timeoutMs} ms:\n${lines.join('\n')}`));
    }, timeoutMs);
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      if (parts.some((l) => l.includes('"event":"server_started"'))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => lines.push(`[stderr] ${chunk.toString('utf8')}`));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${lines.join('\n')}`));
    });
  });
  await listening;
  return {
    process: child,
    url: `http://127.0.0.1:${port}/graphql`,
    lines,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
