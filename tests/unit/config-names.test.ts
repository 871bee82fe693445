import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('bootstrapped names follow the same rules as names sent through the API', () => {
  it('stores them trimmed and in NFC', () => {
    const config = loadConfig({ DEFAULT_TENANT_NAME: ' Cafe\u0301 ', DEFAULT_WORKSPACE_NAME: 'Ｒｏｏｔ' });
    expect(config.DEFAULT_TENANT_NAME).toBe('Caf\u00e9');
    expect(config.DEFAULT_WORKSPACE_NAME).toBe('Ｒｏｏｔ');
  });

  it.each([
    ['DEFAULT_TENANT_NAME', '\u200b', 'NAME_EMPTY'],
    ['DEFAULT_WORKSPACE_NAME', 'Root\u202e', 'NAME_BIDI_CONTROL'],
    ['DEFAULT_TENANT_NAME', 'x'.repeat(256), 'NAME_TOO_LONG'],
  ])('refuses %s=%j at start-up (%s)', (variable, value, reason) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`${variable}: .*${reason}`));
  });
});
