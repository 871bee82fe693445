import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  API_KEY_LENGTH,
  API_KEY_LOOKUP_LENGTH,
  API_KEY_PREFIX,
  API_KEY_RANDOM_LENGTH,
  checksum,
  digestsMatch,
  generateApiKeySecret,
  parseApiKey,
} from '../../src/api-keys/api-key-secret.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API key secrets', () => {
  it('look like karto_ + 40 base62 characters + a 6-character checksum', () => {
    const { secret, prefix, sha256 } = generateApiKeySecret();
    expect(secret).toMatch(/^karto_[0-9A-Za-z]{46}$/);
    expect(secret).toHaveLength(API_KEY_LENGTH);
    expect(prefix).toBe(secret.slice(0, API_KEY_PREFIX.length + API_KEY_LOOKUP_LENGTH));
    expect(sha256).toEqual(createHash('sha256').update(secret).digest());
    expect(secret.slice(-6)).toBe(checksum(secret.slice(6, 46)));
  });

  it('carry at least 190 bits beyond the stored prefix', () => {
    const bitsPerChar = Math.log2(62);
    expect(API_KEY_RANDOM_LENGTH * bitsPerChar).toBeGreaterThan(238);
    expect((API_KEY_RANDOM_LENGTH - API_KEY_LOOKUP_LENGTH) * bitsPerChar).toBeGreaterThan(190);
  });

  it('are distinct and use the whole alphabet about evenly', () => {
    const secrets = Array.from({ length: 2000 }, () => generateApiKeySecret().secret);
    expect(new Set(secrets).size).toBe(secrets.length);
    const counts = new Map<string, number>();
    for (const s of secrets) for (const c of s.slice(6, 46)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // 80,000 draws: about 1290 per character; a modulo bias would skew the first characters by ~25 %.
    const expected = (secrets.length * API_KEY_RANDOM_LENGTH) / 62;
    for (const n of counts.values()) expect(Math.abs(n - expected) / expected).toBeLessThan(0.15);
  });

  it('parse back to the same prefix and digest', () => {
    const { secret, prefix, sha256 } = generateApiKeySecret();
    const parsed = parseApiKey(secret);
    expect(parsed).not.toBeNull();
    expect(parsed?.prefix).toBe(prefix);
    expect(parsed && digestsMatch(sha256, parsed.sha256)).toBe(true);
  });

  it('fail the checksum when any one character changes', () => {
    const { secret } = generateApiKeySecret();
    for (let i = API_KEY_PREFIX.length; i < secret.length; i++) {
      const original = secret.charAt(i);
      const replacement = BASE62.charAt((BASE62.indexOf(original) + 1) % 62);
      const changed = secret.slice(0, i) + replacement + secret.slice(i + 1);
      expect(parseApiKey(changed), `position ${i}`).toBeNull();
    }
  });

  it('reject junk before any lookup', () => {
    const { secret } = generateApiKeySecret();
    const junk = [
      '',
      'karto_',
      secret.slice(0, -1),
      `${secret}0`,
      secret.replace('karto_', 'karta_'),
      secret.replace('karto_', 'KARTO_'),
      `ghp_${secret.slice(6)}`,
      `${secret.slice(0, 10)}-${secret.slice(11)}`,
      `${secret.slice(0, 10)}é${secret.slice(11)}`,
      ` ${secret.slice(1)}`,
      `${secret}\n`,
    ];
    for (const raw of junk) expect(parseApiKey(raw), JSON.stringify(raw)).toBeNull();
  });

  it('compare digests only when lengths match', () => {
    const a = createHash('sha256').update('a').digest();
    expect(digestsMatch(a, Buffer.from(a))).toBe(true);
    expect(digestsMatch(a, createHash('sha256').update('b').digest())).toBe(false);
    expect(digestsMatch(a, a.subarray(0, 31))).toBe(false);
  });
});
