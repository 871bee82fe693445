import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const PACKAGE = fileURLToPath(new URL('../package.json', import.meta.url));

/** The Node.js flags `npm start` runs the service with (its `start` script), so the bench measures the same. */
function startFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(PACKAGE, 'utf8')) as { scripts?: { start?: string } }).scripts;
  return scripts?.start?.split(/\s+/).filter((word) => /^--[\w-]+=\S+$/.test(word)) ?? [];
}

export interface ServiceProcess {
  url: string;
  pid: number | undefined;
  /** Every stdout line so far (JSON log lines and the bootstrap key line), in order. */
  lines: string[];
  /** Milliseconds from spawn until the service logged `server_started`. */
  startMs: number;
  stop(): Promise<number | null>;
}

export interface ServiceOptions {
  dataDir: string;
  port: number;
  postgresPort: number;
  timeoutMs?: number;
  /** More environment for the service (e.g. AUTHZ_CACHE_MAX_ENTRIES). */
  env?: Record<string, string>;
}

/**
 * Runs `src/main.ts` in its own process, as `npm start` does, with embedded PostgreSQL and SpiceDB
 * (any DATABASE_URL / SPICEDB_ENDPOINT of the caller's shell is blanked), so the load generator
 * never shares the service's event loop. Resolves once the service logs `server_started`.
 */
export async function startService(options: ServiceOptions): Promise<ServiceProcess> {
  const started = Date.now();
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of the service (wall-clock samples of its main thread), written when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...startFlags(), ...profile, '--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
      DATA_DIR: options.dataDir,
      PORT: String(options.port),
      EMBEDDED_POSTGRES_PORT: String(options.postgresPort),
      DATABASE_URL: '',
      DATABASE_READ_URL: '',
      SPICEDB_ENDPOINT: '',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const stderr: string[] = [];
  let buffered = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in ${options.timeoutMs ?? 600_000} ms`)), options.timeoutMs ?? 600_000);
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) lines.push(part);
      if (parts.some((l) => l.includes('"event":"server_started"'))) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code} before listening:\n${[...lines, ...stderr].join('\n')}`));
    });
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    await listening;
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `http://127.0.0.1:${options.port}/graphql`, pid: child.pid, lines, startMs: Date.now() - started, stop };
}

/** The first JSON log line whose `msg` is `message`, parsed. */
export function findLogLine(lines: readonly string[], message: string): Record<string, unknown> | undefined {
  for (const line of lines) {
    if (!line.includes(message)) continue;
    const parsed = parseJson(line);
    if (parsed?.msg === message) return parsed;
  }
  return undefined;
}

export function parseJson(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
