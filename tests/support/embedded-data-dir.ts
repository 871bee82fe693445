import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { embeddedLayout, type EmbeddedLayout } from '../../src/infra/db/embedded-postgres.js';
import { freePort } from './free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface EmbeddedDataDir {
  layout: EmbeddedLayout;
  postgresPort: number;
  /** The environment of `npm start` on this data dir: embedded PostgreSQL and SpiceDB, whatever the caller's shell says. */
  env: Record<string, string>;
  remove(): Promise<void>;
}

/** A fresh DATA_DIR with a PostgreSQL port of its own. */
export async function createEmbeddedDataDir(): Promise<EmbeddedDataDir> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-test-data-'));
  // Reachable by the postgres OS user (when we are root), so the cluster lives inside it.
  await chmod(dataDir, 0o755);
  const postgresPort = await freePort();
  const layout = embeddedLayout(dataDir);
  return {
    layout,
    postgresPort,
    env: { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(postgresPort), DATABASE_URL: '', DATABASE_READ_URL: '', SPICEDB_ENDPOINT: '' },
    async remove() {
      await rm(layout.clusterDir, { recursive: true, force: true });
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Pids of PostgreSQL processes (postmaster and children) started on `clusterDir`. */
export async function postgresProcessesOn(clusterDir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (command.split('\0').includes(clusterDir)) pids.push(Number(entry));
  }
  return pids;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run <script> -- <args>` the way npm would (src/cli/<script>.ts under tsx), without a terminal. */
export function runCli(script: 'migrate' | 'outbox' | 'token', args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
