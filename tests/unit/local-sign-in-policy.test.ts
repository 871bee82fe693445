import { describe, expect, it } from 'vitest';
import { localSignInState } from '../../src/auth/local-sign-in/policy.js';
import { parseTokenArgs } from '../../src/cli/token.js';
import { ConfigError, loadConfig } from '../../src/config.js';

const oidc = { OIDC_ISSUER: 'https://idp.example/realms/main', OIDC_AUDIENCE: 'iam-subgraph' };

describe('when local sign-in is on', () => {
  it('is on for npm start on its embedded defaults in development', () => {
    expect(localSignInState(loadConfig({}))).toEqual({ enabled: true });
    expect(localSignInState(loadConfig({ NODE_ENV: 'test', LOCAL_SIGN_IN: 'auto' }))).toEqual({ enabled: true });
  });

  it('is never on in production or with an identity provider, whatever LOCAL_SIGN_IN says', () => {
    expect(localSignInState(loadConfig({ NODE_ENV: 'production' }))).toEqual({ enabled: false, reason: 'NODE_ENV=production' });
    expect(localSignInState(loadConfig({ NODE_ENV: 'production', LOCAL_SIGN_IN: 'off' }))).toMatchObject({ enabled: false });
    expect(localSignInState(loadConfig(oidc))).toMatchObject({ enabled: false, reason: expect.stringContaining('OIDC_ISSUER is set') });
    expect(() => loadConfig({ NODE_ENV: 'production', LOCAL_SIGN_IN: 'on' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', LOCAL_SIGN_IN: 'on' })).toThrow('cannot be combined with NODE_ENV=production');
    expect(() => loadConfig({ ...oidc, LOCAL_SIGN_IN: 'on' })).toThrow('cannot be combined with OIDC_ISSUER');
  });

  it('is off by default away from the embedded defaults, and LOCAL_SIGN_IN decides in development', () => {
    const external = { DATABASE_URL: 'postgres://db/iam' };
    expect(localSignInState(loadConfig(external))).toMatchObject({ enabled: false, reason: expect.stringContaining('DATABASE_URL is set') });
    expect(localSignInState(loadConfig({ SPICEDB_ENDPOINT: 'spicedb:50051' }))).toMatchObject({ enabled: false, reason: expect.stringContaining('SPICEDB_ENDPOINT') });
    expect(localSignInState(loadConfig({ ...external, LOCAL_SIGN_IN: 'on' }))).toEqual({ enabled: true });
    expect(localSignInState(loadConfig({ LOCAL_SIGN_IN: 'off' }))).toEqual({ enabled: false, reason: 'LOCAL_SIGN_IN=off' });
  });
});

describe('npm run token arguments', () => {
  it('takes a username and optional email, name and days', () => {
    expect(parseTokenArgs(['alice'])).toEqual({ person: { username: 'alice', email: undefined, name: undefined }, days: 30 });
    expect(parseTokenArgs(['bob', '--email', 'Bob@Example.com', '--name', ' Bob  Builder ', '--days', '2'])).toEqual({
      person: { username: 'bob', email: 'Bob@Example.com', name: 'Bob  Builder' },
      days: 2,
    });
    expect(parseTokenArgs(['-e', 'c@x.test', 'carol', '-n', 'Carol', '-d', '365'])).toMatchObject({ person: { username: 'carol' }, days: 365 });
  });

  it.each([
    [[], /^usage: npm run token/],
    [['alice', 'bob'], /one username, not 2/],
    [['  '], /the username is empty/],
    [['al ice'], /white space/],
    [['alice\u0000'], /control characters or invalid Unicode/],
    [['\ud800'], /control characters or invalid Unicode/],
    [['x'.repeat(256)], /longer than 255/],
    [['alice', '--email', 'not-an-address'], /is not an email address/],
    [['alice', '--days', '0'], /--days must be a whole number from 1 to 365/],
    [['alice', '--days', '1.5'], /--days must be/],
    [['alice', '--days', '366'], /--days must be/],
    [['alice', '--admin'], /Unknown option '--admin'/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseTokenArgs(argv)).toThrow(message);
  });
});
