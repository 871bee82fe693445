import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../../logger.js';
import type { OsUser } from './postgres-binaries.js';

export interface PostgresServer {
  pid: number;
  /** Fast shutdown (open transactions roll back, sessions close); resolves once it has exited. */
  stop(): Promise<void>;
}

const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 60_000;
// Fast shutdown normally takes well under a second; after this, immediate shutdown (crash recovery at the next start).
const STOP_TIMEOUT_MS = 30_000;
const TAIL_LINES = 20;

const PASSED_ENV = ['PATH', 'TZ', 'TMPDIR', 'LD_LIBRARY_PATH', 'DYLD_LIBRARY_PATH', 'DYLD_FALLBACK_LIBRARY_PATH'];

/**
 * Not our whole environment: it holds secrets (SPICEDB_TOKEN, ROUTER_SECRET, …) that PostgreSQL,
 * often another OS user, has no use for. Messages in English whatever the machine's locale: we wait
 * for the "ready" line and quote errors.
 */
const env = (): NodeJS.ProcessEnv => ({
  ...Object.fromEntries(PASSED_ENV.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]]))),
  LC_ALL: 'C',
  LC_MESSAGES: 'C',
});

/** Creates a cluster in `dataDir` (empty or missing) with a superuser `postgres` whose password is in `pwfile`. */
export async function runInitdb(options: { binary: string; dataDir: string; pwfile: string; user?: OsUser; logger: Logger }): Promise<void> {
  const child = spawn(
    options.binary,
    [`--pgdata=${options.dataDir}`, '--username=postgres', `--pwfile=${options.pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C'],
    { ...options.user, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const tail = collectOutput(child, options.logger);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`initdb failed with exit code ${code}: ${tail.join(' | ')}`);
}

/**
 * Runs `postgres` on `dataDir`, listening on 127.0.0.1 only, and resolves once it accepts connections.
 * It gets a session and process group of its own (`detached`): Ctrl-C in a terminal signals the whole
 * foreground process group, and PostgreSQL must outlive the HTTP drain that signal starts. We stop
 * it ourselves, last; if this process dies without doing so, the next start stops the orphan.
 */
export async function spawnPostgres(options: { binary: string; dataDir: string; port: number; user?: OsUser; logger: Logger }): Promise<PostgresServer> {
  const child = spawn(
    options.binary,
    ['-D', options.dataDir, '-p', String(options.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    { ...options.user, detached: true, env: env(), stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let onLine: (line: string) => void = () => undefined;
  const tail = collectOutput(child, options.logger, (line) => onLine(line));
  let ready = false;
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => child.pid === undefined && resolve()); // never started: no 'exit' follows
  });
  // Last resort for an exit that skipped stop() (a crash): ask for a fast shutdown, no waiting possible.
  const onProcessExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  process.on('exit', onProcessExit);
  child.once('exit', (code, signal) => {
    process.off('exit', onProcessExit);
    if (ready && !stopping) options.logger.error({ component: 'embedded-postgres', code, signal, log: tail }, 'embedded PostgreSQL exited unexpectedly');
  });

  const stop = async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    stopping = true;
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready after ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const settle = (error?: Error): void => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      onLine = (line) => line.includes(READY) && settle();
      child.once('error', settle);
      child.once('exit', (code, signal) => settle(new Error(`exited with ${signal ?? `code ${code}`}`)));
    });
    ready = true;
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`embedded PostgreSQL did not start (data in ${options.dataDir}, port ${options.port}): ${reason}: ${tail.join(' | ')}`, {
      cause: error,
    });
  }
  if (child.pid === undefined) throw new Error('embedded PostgreSQL has no pid');
  return { pid: child.pid, stop };
}

/** Logs every line at debug and keeps the last few for error messages. */
function collectOutput(child: ChildProcess, logger: Logger, onLine: (line: string) => void = () => undefined): string[] {
  const tail: string[] = [];
  const partial = new Map<NodeJS.ReadableStream, string>();
  const take = (stream: NodeJS.ReadableStream, chunk: Buffer): void => {
    const lines = ((partial.get(stream) ?? '') + chunk.toString('utf8')).split('\n');
    partial.set(stream, lines.pop() ?? '');
    for (const line of lines) {
      const trimmed = line.trim();
      if (trimmed === '') continue;
      logger.debug({ component: 'embedded-postgres' }, trimmed);
      tail.push(trimmed);
      if (tail.length > TAIL_LINES) tail.shift();
      onLine(trimmed);
    }
  };
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => take(stream, chunk));
  return tail;
}
