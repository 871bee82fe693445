import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';

export const SIGNING_KEY_FILE = 'local-sign-in-key.json';

/** The local issuer's RS256 key: the private half signs tokens, the public half is the JWKS. */
export interface LocalSigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  file: string;
}

const privateRsaJwk = z.object({
  kty: z.literal('RSA'),
  n: z.string().min(1),
  e: z.string().min(1),
  d: z.string().min(1),
  p: z.string().min(1),
  q: z.string().min(1),
  dp: z.string().min(1),
  dq: z.string().min(1),
  qi: z.string().min(1),
});

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

/**
 * The key of `dataDir`, generated on first use and kept there (mode 0600). The server and
 * `npm run token` may both be first: the file appears whole or not at all (written aside, then
 * hard-linked into place, which fails if the other got there first), and both then use the same key.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<LocalSigningKey> {
  const file = path.resolve(dataDir, SIGNING_KEY_FILE);
  const existing = await readSigningKey(file);
  if (existing) return existing;
  await mkdir(path.dirname(file), { recursive: true });
  const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const jwk = await exportJWK(privateKey);
  const staging = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(staging, `${JSON.stringify({ ...jwk, alg: 'RS256' }, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await link(staging, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(staging);
  }
  const created = await readSigningKey(file);
  if (!created) throw new SigningKeyError(`${file} vanished right after it was written`);
  return created;
}

async function readSigningKey(file: string): Promise<LocalSigningKey | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  // Whoever can read the file can sign in as anyone: keep it private even if it was copied loosely.
  if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
  let parsed: z.infer<typeof privateRsaJwk>;
  try {
    parsed = privateRsaJwk.parse(JSON.parse(text));
  } catch {
    throw new SigningKeyError(`${file} is not an RSA private key in JWK form; delete it to make a new one (tokens made with it stop working)`);
  }
  const privateKey = await importJWK(parsed, 'RS256');
  if (privateKey instanceof Uint8Array) throw new SigningKeyError(`${file} holds a symmetric key`);
  const publicPart = { kty: parsed.kty, n: parsed.n, e: parsed.e };
  const kid = await calculateJwkThumbprint(publicPart);
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: 'RS256', use: 'sig' }, file };
}
