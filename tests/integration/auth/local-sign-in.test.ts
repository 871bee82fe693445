import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TOKEN_DAYS, signLocalToken } from '../../../src/auth/local-sign-in/local-token.js';
import { LOCAL_AUDIENCE, LOCAL_DISCOVERY_PATH, LOCAL_ISSUER, LOCAL_JWKS_PATH } from '../../../src/auth/local-sign-in/policy.js';
import { loadOrCreateSigningKey, SIGNING_KEY_FILE, type LocalSigningKey } from '../../../src/auth/local-sign-in/signing-key.js';
import { runTokenCommand } from '../../../src/cli/token.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const VIEWER = '{ viewer { authenticatedVia user { id username name email } } }';
const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

describe('the local issuer’s key', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'iam-local-key-'));
  });
  afterAll(async () => rm(dataDir, { recursive: true, force: true }));

  it('is made once per DATA_DIR, mode 0600, and is the same key for everyone who asks at once', async () => {
    const keys = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateSigningKey(path.join(dataDir, 'fresh'))));
    expect(new Set(keys.map((k) => k.kid)).size).toBe(1);
    const file = path.join(dataDir, 'fresh', SIGNING_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const written = await readFile(file, 'utf8');
    expect((await loadOrCreateSigningKey(path.join(dataDir, 'fresh'))).kid).toBe(keys[0]?.kid);
    expect(await readFile(file, 'utf8')).toBe(written);
    // Only the public half is published.
    expect(Object.keys(keys[0]?.publicJwk ?? {}).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('is made private again if its mode was loosened, and a broken file is refused with what to do', async () => {
    const dir = path.join(dataDir, 'loose');
    await loadOrCreateSigningKey(dir);
    const file = path.join(dir, SIGNING_KEY_FILE);
    await chmod(file, 0o644);
    await loadOrCreateSigningKey(dir);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await writeFile(file, '{"kty":"oct","k":"c2VjcmV0"}');
    await expect(loadOrCreateSigningKey(dir)).rejects.toThrow(/is not an RSA private key in JWK form; delete it/);
  });
});

describe('local sign-in on a running server', () => {
  let dataDir: string;
  let server: TestServer;
  let key: LocalSigningKey;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'iam-local-sign-in-'));
    // The test server uses a database of its own (DATABASE_URL), so it asks for local sign-in by name.
    server = await startTestServer({ DATA_DIR: dataDir, LOCAL_SIGN_IN: 'on' });
    key = await loadOrCreateSigningKey(dataDir);
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('publishes discovery and the key set under its own origin', async () => {
    const origin = new URL(server.url).origin;
    const discovery = (await (await fetch(`${origin}${LOCAL_DISCOVERY_PATH}`)).json()) as Record<string, unknown>;
    expect(discovery).toMatchObject({ issuer: LOCAL_ISSUER, jwks_uri: `${origin}${LOCAL_JWKS_PATH}`, id_token_signing_alg_values_supported: ['RS256'] });
    const jwks = (await (await fetch(`${origin}${LOCAL_JWKS_PATH}`)).json()) as { keys: unknown[] };
    expect(jwks.keys).toEqual([key.publicJwk]);
  });

  it('accepts what npm run token prints, provisioning the person like any OIDC user', async () => {
    const { token, notes } = await runTokenCommand(['alice', '--email', 'alice@example.com', '--name', 'Alice Liddell', '--days', '3'], {
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
    });
    expect(notes).toContain('Authorization');
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: LOCAL_ISSUER, aud: LOCAL_AUDIENCE, sub: 'alice', preferred_username: 'alice', email: 'alice@example.com', email_verified: true });
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(3 * 86_400);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', kid: key.kid });

    const first = await server.gql<{ viewer: { authenticatedVia: string; user: { id: string; username: string; name: string; email: string } } }>(VIEWER, {}, bearer(token));
    expect(first.status).toBe(200);
    expect(first.data?.viewer).toMatchObject({ authenticatedVia: 'OIDC', user: { username: 'alice', name: 'Alice Liddell', email: 'alice@example.com' } });
    const { rows } = await server.database.pool.query('SELECT issuer, subject, username FROM users WHERE id = $1', [first.data?.viewer.user.id]);
    expect(rows).toEqual([{ issuer: LOCAL_ISSUER, subject: 'alice', username: 'alice' }]);

    // Another token for the same username is the same person.
    const again = await signLocalToken(key, { username: 'alice' }, 1);
    const second = await server.gql<{ viewer: { user: { id: string } } }>(VIEWER, {}, bearer(again));
    expect(second.data?.viewer.user.id).toBe(first.data?.viewer.user.id);
  });

  it('leaves email_verified out when no email is given', async () => {
    const claims = decodeJwt(await signLocalToken(key, { username: 'bob' }, 1));
    expect(claims).not.toHaveProperty('email');
    expect(claims).not.toHaveProperty('email_verified');
    expect(MAX_TOKEN_DAYS).toBe(365);
  });

  it('refuses tokens it did not sign, expired ones and ones for another audience, with 401', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT({ preferred_username: 'mallory' })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setIssuer(LOCAL_ISSUER)
      .setAudience(LOCAL_AUDIENCE)
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    const longAgo = new Date(Date.now() - 3 * 86_400_000);
    const expired = await signLocalToken(key, { username: 'carol' }, 1, longAgo);
    const otherAudience = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: key.kid }).setIssuer(LOCAL_ISSUER).setAudience('another-service').setSubject('dave').setIssuedAt().setExpirationTime('1h').sign(key.privateKey);
    for (const [token, reason] of [[forged, 'TOKEN_INVALID'], [expired, 'TOKEN_EXPIRED'], [otherAudience, 'TOKEN_INVALID']] as const) {
      const response = await server.gql(VIEWER, {}, bearer(token));
      expect(response.status).toBe(401);
      expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    }
    const { rows } = await server.database.pool.query(`SELECT username FROM users WHERE username IN ('mallory', 'carol', 'dave')`);
    expect(rows).toEqual([]);
  });

  it('tells GraphiQL users how to get a token and where to put it', async () => {
    const page = await (await fetch(server.url, { headers: { accept: 'text/html', 'accept-encoding': 'identity' } })).text();
    expect(page).toContain('npm run -s token -- alice --email alice@example.com');
    expect(page).toContain('{\\"Authorization\\": \\"Bearer eyJ…\\"}');
  });
});

describe('GraphiQL without local sign-in', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());

  it('speaks of the API key only, and serves no local issuer', async () => {
    const page = await (await fetch(server.url, { headers: { accept: 'text/html', 'accept-encoding': 'identity' } })).text();
    expect(page).not.toContain('npm run -s token');
    expect(page).toContain('Bootstrap admin key');
    expect((await fetch(`${new URL(server.url).origin}${LOCAL_JWKS_PATH}`)).status).toBe(404);
  });
});
