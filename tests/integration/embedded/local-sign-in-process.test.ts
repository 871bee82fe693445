import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_KEY_FILE } from '../../../src/auth/local-sign-in/signing-key.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createEmbeddedDataDir, runCli, type EmbeddedDataDir } from '../../support/embedded-data-dir.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';

const VIEWER = JSON.stringify({ query: '{ viewer { user { username email } } }' });
const JWT = /^eyJ[\w-]+\.[\w-]+\.[\w-]+\n$/;

async function asBearer(service: ChildService, token: string): Promise<{ status: number; body: { data?: unknown; errors?: { extensions: Record<string, unknown> }[] } }> {
  const response = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: VIEWER });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions: Record<string, unknown> }[] } };
}

const identityLine = (service: ChildService): Record<string, unknown>[] =>
  service.lines.filter((l) => l.includes('"event":"identity_sources"')).map((l) => JSON.parse(l) as Record<string, unknown>);

/** `npm start` and `npm run token` as separate processes on one DATA_DIR, as a developer runs them. */
describe('local sign-in: npm start and npm run token', () => {
  let dir: EmbeddedDataDir;
  let service: ChildService | undefined;
  let provider: TestOidcProvider;
  let earlier = '';
  let keyFile = '';

  beforeAll(async () => {
    dir = await createEmbeddedDataDir();
    provider = await TestOidcProvider.start();
    await provider.addKey('RS256');
    keyFile = path.join(dir.env.DATA_DIR ?? '', SIGNING_KEY_FILE);
  });
  afterAll(async () => {
    if (service?.process.exitCode === null) await service.stop();
    await provider.close();
    await dir.remove();
  });

  it('makes a token before the server ever ran, and the server then trusts it', async () => {
    const made = await runCli('token', ['alice', '--email', 'alice@example.com'], dir.env);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(JWT);
    expect(made.stderr).toContain('Bearer token for alice <alice@example.com>');
    earlier = made.stdout.trim();
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = await readFile(keyFile, 'utf8');

    service = await startChildService(dir.env);
    expect(identityLine(service)).toEqual([expect.objectContaining({ localSignIn: true, apiKeys: true, oidcIssuer: null, msg: expect.stringContaining('local sign-in') })]);
    expect(await asBearer(service, earlier)).toEqual({ status: 200, body: { data: { viewer: { user: { username: 'alice', email: 'alice@example.com' } } } } });

    // While it runs: the same key, so its tokens work at once.
    const bob = await runCli('token', ['bob'], dir.env);
    expect(await asBearer(service, bob.stdout.trim())).toMatchObject({ status: 200, body: { data: { viewer: { user: { username: 'bob', email: null } } } } });
    expect(await readFile(keyFile, 'utf8')).toBe(key);
    await service.stop();
  });

  it('with NODE_ENV=production: no local issuer, earlier tokens refused with 401, npm run token refuses', async () => {
    const production = { ...dir.env, NODE_ENV: 'production' };
    service = await startChildService(production);
    expect(identityLine(service)).toEqual([expect.objectContaining({ localSignIn: false, localSignInOff: 'NODE_ENV=production' })]);
    const refused = await asBearer(service, earlier);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(refused.body)).not.toContain('alice@example.com');
    const origin = new URL(service.url).origin;
    expect((await fetch(`${origin}/local-sign-in/jwks.json`)).status).toBe(404);
    expect((await fetch(`${origin}/local-sign-in/.well-known/openid-configuration`)).status).toBe(404);

    const cli = await runCli('token', ['mallory'], production);
    expect(cli).toMatchObject({ code: 1, stdout: '' });
    expect(cli.stderr).toContain('Local sign-in is off here (NODE_ENV=production)');
    await service.stop();
  });

  it('with OIDC_ISSUER set: no local issuer, earlier tokens refused with 401, npm run token refuses', async () => {
    const withIdp = { ...dir.env, OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: provider.audience };
    service = await startChildService(withIdp);
    expect(identityLine(service)).toEqual([expect.objectContaining({ localSignIn: false, oidcIssuer: provider.issuer })]);
    const refused = await asBearer(service, earlier);
    expect(refused.status).toBe(401);
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_INVALID' });
    // The provider's own tokens are what works now.
    const real = await provider.sign({ sub: 'alice-at-idp', preferred_username: 'alice2' });
    expect((await asBearer(service, real)).status).toBe(200);

    const cli = await runCli('token', ['mallory'], withIdp);
    expect(cli).toMatchObject({ code: 1, stdout: '' });
    expect(cli.stderr).toContain(`OIDC_ISSUER is set (${provider.issuer})`);
    const forced = await runCli('token', ['mallory'], { ...withIdp, LOCAL_SIGN_IN: 'on' });
    expect(forced).toMatchObject({ code: 1, stdout: '' });
    expect(forced.stderr).toContain('LOCAL_SIGN_IN=on is for development only');
    await service.stop();
  });
});
