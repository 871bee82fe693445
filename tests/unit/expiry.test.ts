import { describe, expect, it } from 'vitest';
import { checkExpiry, earlierEnd } from '../../src/shared/expiry.js';
import { BadInputError } from '../../src/shared/errors.js';

const NOW = Date.parse('2026-06-01T00:00:00Z');
const reasonOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    if (error instanceof BadInputError) return error.extensions.reason as string | undefined;
    throw error;
  }
  return undefined;
};

describe('checkExpiry', () => {
  it('passes "not asked" and "never" through untouched', () => {
    expect(checkExpiry('expiresAt', undefined, 365, NOW)).toBeUndefined();
    expect(checkExpiry('expiresAt', null, 365, NOW)).toBeNull();
  });

  it('accepts an end after now and up to maxDays ahead, the boundary included', () => {
    const soon = new Date(NOW + 1);
    expect(checkExpiry('expiresAt', soon, 365, NOW)).toBe(soon);
    const last = new Date(NOW + 365 * 86_400_000);
    expect(checkExpiry('expiresAt', last, 365, NOW)).toBe(last);
  });

  it('refuses now or earlier (EXPIRY_IN_PAST) and past maxDays (EXPIRY_TOO_FAR)', () => {
    expect(reasonOf(() => checkExpiry('expiresAt', new Date(NOW), 365, NOW))).toBe('EXPIRY_IN_PAST');
    expect(reasonOf(() => checkExpiry('expiresAt', new Date(NOW - 1), 365, NOW))).toBe('EXPIRY_IN_PAST');
    expect(reasonOf(() => checkExpiry('expiresAt', new Date(NOW + 365 * 86_400_000 + 1), 365, NOW))).toBe('EXPIRY_TOO_FAR');
    expect(reasonOf(() => checkExpiry('expiresAt', new Date(NOW + 2 * 86_400_000), 1, NOW))).toBe('EXPIRY_TOO_FAR');
  });
});

describe('earlierEnd', () => {
  it('is the earlier of two ends, null meaning never', () => {
    const a = new Date(NOW + 1000);
    const b = new Date(NOW + 2000);
    expect(earlierEnd(a, b)).toBe(a);
    expect(earlierEnd(b, a)).toBe(a);
    expect(earlierEnd(null, b)).toBe(b);
    expect(earlierEnd(a, null)).toBe(a);
    expect(earlierEnd(null, null)).toBeNull();
  });
});
