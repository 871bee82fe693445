import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * API key layout, after GitHub's token format so secret scanners can recognise and validate keys offline:
 *
 *   karto_ | 40 random base62 characters | 6 base62 characters of CRC32(random part)
 *   prefix   └ first 8 = lookup handle ┘
 *
 * The random part carries 40 × log2(62) ≈ 238.2 bits. The first 8 characters are stored in plaintext
 * (`api_keys.prefix`) to find the row, so even someone who reads the table still faces the other
 * 32 characters: 32 × log2(62) ≈ 190.5 bits.
 *
 * Only SHA-256 of the whole key is stored. A password hash (bcrypt, Argon2) exists to slow down guessing
 * of low-entropy human secrets; nobody can enumerate 2^190 candidates at any hash speed, and a KDF would
 * add ~100 ms of CPU to every API-key request.
 */
export const API_KEY_PREFIX = 'karto_';
export const API_KEY_RANDOM_LENGTH = 40;
export const API_KEY_LOOKUP_LENGTH = 8;
export const API_KEY_CHECKSUM_LENGTH = 6;
export const API_KEY_LENGTH = API_KEY_PREFIX.length + API_KEY_RANDOM_LENGTH + API_KEY_CHECKSUM_LENGTH;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
// 248 = 4 × 62: bytes at or above it are discarded so every character is equally likely.
const UNBIASED_BYTE_LIMIT = 248;
const SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{${API_KEY_RANDOM_LENGTH + API_KEY_CHECKSUM_LENGTH}}$`);

export interface GeneratedApiKeySecret {
  /** The full key; shown to its owner once and never stored. */
  secret: string;
  prefix: string;
  sha256: Buffer;
}

export interface ParsedApiKey {
  prefix: string;
  sha256: Buffer;
}

export function generateApiKeySecret(): GeneratedApiKeySecret {
  const random = randomBase62(API_KEY_RANDOM_LENGTH);
  const secret = `${API_KEY_PREFIX}${random}${checksum(random)}`;
  return { secret, prefix: lookupPrefix(random), sha256: digest(secret) };
}

/** Null unless `raw` has the exact shape and a valid checksum; nothing here touches the database. */
export function parseApiKey(raw: string): ParsedApiKey | null {
  if (raw.length !== API_KEY_LENGTH || !SHAPE.test(raw)) return null;
  const random = raw.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + API_KEY_RANDOM_LENGTH);
  if (raw.slice(-API_KEY_CHECKSUM_LENGTH) !== checksum(random)) return null;
  return { prefix: lookupPrefix(random), sha256: digest(raw) };
}

/** Constant-time comparison of two digests; different lengths never match. */
export function digestsMatch(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

function lookupPrefix(random: string): string {
  return API_KEY_PREFIX + random.slice(0, API_KEY_LOOKUP_LENGTH);
}

function digest(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** CRC32 as 6 base62 digits, zero-padded: 62^6 ≈ 5.7e10 covers every 32-bit value. */
export function checksum(random: string): string {
  let value = crc32(random);
  let out = '';
  for (let i = 0; i < API_KEY_CHECKSUM_LENGTH; i++) {
    out = BASE62.charAt(value % 62) + out;
    value = Math.floor(value / 62);
  }
  return out;
}

function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < UNBIASED_BYTE_LIMIT) out += BASE62.charAt(byte % 62);
      if (out.length === length) break;
    }
  }
  return out;
}
