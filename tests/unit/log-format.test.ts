import { describe, expect, it } from 'vitest';
import { logFormat } from '../../src/logger.js';

describe('log format', () => {
  it('is readable at a terminal and JSON when piped, in development', () => {
    expect(logFormat({ isProduction: false }, true)).toBe('pretty');
    expect(logFormat({ isProduction: false }, false)).toBe('json');
  });

  it('is JSON in production, even at a terminal', () => {
    expect(logFormat({ isProduction: true }, true)).toBe('json');
  });

  it('is what LOG_FORMAT says when set', () => {
    expect(logFormat({ LOG_FORMAT: 'json', isProduction: false }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty', isProduction: true }, false)).toBe('pretty');
  });
});
