import { randomBytes } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import pg from 'pg';
import type { Logger } from '../../logger.js';

/** What every embedded data dir used before passwords were generated per data dir. */
const LEGACY_PASSWORD = 'postgres';
const INVALID_PASSWORD = '28P01';

/** 192 random bits, URL-safe, so it needs no quoting in a connection URL or a password file. */
export function generatePassword(): string {
  return randomBytes(24).toString('base64url');
}

export async function readSecret(file: string): Promise<string | undefined> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const secret = text?.trim();
  return secret ? secret : undefined;
}

/** Mode 0600 from the first byte, and atomically: a crash leaves the old file or the new one. */
export async function writeSecret(file: string, secret: string): Promise<void> {
  const draft = `${file}.${process.pid}.tmp`;
  await writeFile(draft, `${secret}\n`, { mode: 0o600, flag: 'w' });
  await chmod(draft, 0o600); // the mode above applies only when the file is created
  await rename(draft, file);
}

/**
 * Makes the superuser's password the one in `file` (creating a random one if there is none) and
 * returns it. A data dir initialised with the old fixed password moves to the file's password here,
 * at its next start; the file is written first, so a crash in between is finished the next time.
 */
export async function ensureSuperuserPassword(options: { file: string; port: number; logger: Logger }): Promise<string> {
  let password = await readSecret(options.file);
  if (!password) {
    password = generatePassword();
    await writeSecret(options.file, password);
  }
  if (await canLogIn(options.port, password)) return password;
  if (!(await canLogIn(options.port, LEGACY_PASSWORD))) {
    throw new Error(`cannot log in to the embedded PostgreSQL with the password in ${options.file}`);
  }
  const client = connection(options.port, LEGACY_PASSWORD);
  await client.connect();
  try {
    await client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
  options.logger.info({ event: 'embedded_postgres_password_replaced', file: options.file }, 'embedded PostgreSQL superuser password replaced by a random one');
  return password;
}

async function canLogIn(port: number, password: string): Promise<boolean> {
  const client = connection(port, password);
  try {
    await client.connect();
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === INVALID_PASSWORD) return false;
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function connection(port: number, password: string): pg.Client {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  client.on('error', () => undefined); // a server going away fails the call in progress instead
  return client;
}
