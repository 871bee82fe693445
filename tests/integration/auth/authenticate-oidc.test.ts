import { daysFromNow } from '../../../src/api-keys/api-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servicesFor, TEST_SETUP } from '../../support/services.js';
import { createAuthenticator, type Authenticator } from '../../../src/auth/authenticate.js';
import { createJwtVerifier } from '../../../src/auth/jwt-verifier.js';
import { runWithCounters } from '../../../src/shared/request-counters.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { addTenantMember, captureLogs, insertTenant, insertUser, type CapturedLogs } from './support.js';

interface UserDbRow {
  id: string;
  issuer: string;
  subject: string;
  username: string;
  name: string | null;
  email: string | null;
  updated_at: Date;
  xmin: string;
  xmax: string;
}

describe('authentication with a bearer token', () => {
  let database: TestDatabase;
  let provider: TestOidcProvider;
  let logs: CapturedLogs;
  let auth: Authenticator;
  let apiKey: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    provider = await TestOidcProvider.start();
    await provider.addKey('RS256');
    logs = captureLogs();
    const jwt = createJwtVerifier({ issuer: provider.issuer, audience: provider.audience, logger: logs.logger });
    auth = createAuthenticator({ db: database.db, jwt, logger: logs.logger });

    const tenantId = await insertTenant(database);
    const keyOwner = await insertUser(database, 'key-owner');
    await addTenantMember(database, tenantId, keyOwner);
    const services = servicesFor(database);
    apiKey = (await services.uow.run((tx) => services.apiKeys.issue(tx, { tenantId, ownerUserId: keyOwner, name: 'ci', expiresAt: daysFromNow(30) }), TEST_SETUP)).value.secret;
  });
  afterAll(async () => {
    await auth.flush();
    await provider.close();
    await database.drop();
  });

  async function userRows(subject: string): Promise<UserDbRow[]> {
    const result = await database.pool.query<UserDbRow>(
      'SELECT id, issuer, subject, username, name, email, updated_at, xmin::text, xmax::text FROM users WHERE subject = $1',
      [subject],
    );
    return result.rows;
  }

  async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; sql: number }> {
    const counters = { sql: 0, spicedb: 0 };
    const result = await runWithCounters(counters, fn);
    return { result, sql: counters.sql };
  }

  it('provisions a user on first sight, once, and reads it without writing afterwards', async () => {
    const token = await provider.sign({ sub: 'alice-sub', preferred_username: 'alice', name: 'Alice', email: 'alice@example.test' });
    const first = await counted(() => auth.authenticate({ authorization: `Bearer ${token}` }));
    expect(first.sql).toBe(1);
    expect(first.result).toMatchObject({ username: 'alice', via: 'oidc' });
    expect(first.result.apiKeyId).toBeUndefined();
    expect(first.result.tenantScope).toBeUndefined();

    const [created, ...others] = await userRows('alice-sub');
    expect(others).toEqual([]);
    expect(created).toMatchObject({ id: first.result.userId, issuer: provider.issuer, username: 'alice', name: 'Alice', email: 'alice@example.test' });

    const again = await counted(() => auth.authenticate({ authorization: `bearer ${token}` }));
    expect(again.sql).toBe(1);
    expect(again.result.userId).toBe(first.result.userId);
    // Same tuple version, never locked: nothing was written.
    expect(await userRows('alice-sub')).toEqual([created]);
    expect(created?.xmax).toBe('0');
  });

  it('updates changed profile fields on a later sight, keeping the id', async () => {
    const before = await auth.authenticate({ authorization: `Bearer ${await provider.sign({ sub: 'bob-sub', preferred_username: 'bob', name: 'Bob' })}` });
    const [row] = await userRows('bob-sub');
    const token = await provider.sign({ sub: 'bob-sub', preferred_username: 'robert', name: 'Robert', email: 'robert@example.test' });
    const after = await counted(() => auth.authenticate({ authorization: `Bearer ${token}` }));
    expect(after.sql).toBe(1);
    expect(after.result).toMatchObject({ userId: before.userId, username: 'robert' });
    const [updated] = await userRows('bob-sub');
    expect(updated).toMatchObject({ id: before.userId, username: 'robert', name: 'Robert', email: 'robert@example.test' });
    expect(updated?.updated_at.getTime()).toBeGreaterThan(row?.updated_at.getTime() ?? Infinity);

    // A claim that disappears clears the field.
    await auth.authenticate({ authorization: `Bearer ${await provider.sign({ sub: 'bob-sub', preferred_username: 'robert' })}` });
    expect((await userRows('bob-sub'))[0]).toMatchObject({ name: null, email: null });
  });

  it('falls back to sub when preferred_username is missing or blank', async () => {
    const principal = await auth.authenticate({ authorization: `Bearer ${await provider.sign({ sub: 'carol-sub', preferred_username: '  ' })}` });
    expect(principal.username).toBe('carol-sub');
    expect((await userRows('carol-sub'))[0]).toMatchObject({ username: 'carol-sub', name: null, email: null });
  });

  it('lets a bearer token win over an API key', async () => {
    const token = await provider.sign({ sub: 'alice-sub', preferred_username: 'alice' });
    const principal = await auth.authenticate({ authorization: `Bearer ${token}`, apiKey });
    expect(principal).toMatchObject({ username: 'alice', via: 'oidc' });
    expect(principal.apiKeyId).toBeUndefined();
  });

  it('rejects an invalid bearer token without trying the API key', async () => {
    const expired = await provider.sign({ sub: 'alice-sub' }, { expiresIn: -120 });
    await expect(auth.authenticate({ authorization: `Bearer ${expired}`, apiKey })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'TOKEN_EXPIRED',
    });
    await expect(auth.authenticate({ authorization: 'Bearer not-a-token', apiKey })).rejects.toMatchObject({ reason: 'TOKEN_INVALID' });
    await expect(auth.authenticate({ authorization: 'Bearer', apiKey })).rejects.toMatchObject({ reason: 'TOKEN_INVALID' });
    await auth.flush();
    const used = await database.pool.query('SELECT last_used_at FROM api_keys');
    expect(used.rows).toEqual([{ last_used_at: null }]);
  });

  it('rejects other authorization schemes, even with a valid API key', async () => {
    await expect(auth.authenticate({ authorization: 'Basic YWxpY2U6c2VjcmV0', apiKey })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'UNSUPPORTED_AUTHORIZATION_SCHEME',
    });
    await expect(auth.authenticate({ authorization: apiKey })).rejects.toMatchObject({ reason: 'UNSUPPORTED_AUTHORIZATION_SCHEME' });
  });

  it('refuses bearer tokens when OIDC is not configured', async () => {
    const noOidc = createAuthenticator({ db: database.db, jwt: undefined, logger: logs.logger });
    const token = await provider.sign({ sub: 'alice-sub' });
    await expect(noOidc.authenticate({ authorization: `Bearer ${token}` })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'OIDC_NOT_CONFIGURED',
      message: expect.stringContaining('OIDC is not configured'),
    });
    await expect(noOidc.authenticate({ apiKey })).resolves.toMatchObject({ via: 'api_key' });
    await noOidc.flush();
  });

  it('answers UNAUTHENTICATED when no credentials are sent', async () => {
    for (const credentials of [{}, { authorization: '', apiKey: '' }, { authorization: '   ' }]) {
      await expect(auth.authenticate(credentials)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'CREDENTIALS_MISSING' });
    }
  });

  describe('claims PostgreSQL cannot store faithfully', () => {
    const cases: [string, Record<string, string>][] = [
      ['sub', { sub: 'nul\u0000sub' }],
      ['sub', { sub: 'lone\ud800sub' }],
      ['preferred_username', { sub: 'dave-sub', preferred_username: 'dave\u0000' }],
      ['name', { sub: 'dave-sub', name: 'Dave \udc00' }],
      ['email', { sub: 'dave-sub', email: 'dave@example.test\u0000' }],
    ];
    it.each(cases)('%s: a 401 that provisions nobody and names the claim in the log, not the token', async (claim, claims) => {
      logs.lines.length = 0;
      logs.raw.length = 0;
      const before = await database.pool.query('SELECT * FROM users ORDER BY id');
      const token = await provider.sign(claims);
      await expect(auth.authenticate({ authorization: `Bearer ${token}`, apiKey })).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        reason: 'TOKEN_CLAIM_INVALID',
      });
      expect((await database.pool.query('SELECT * FROM users ORDER BY id')).rows).toEqual(before.rows);
      expect(logs.failures()).toEqual([expect.objectContaining({ level: 40, method: 'bearer', reason: 'TOKEN_CLAIM_INVALID', claim })]);
      expect(logs.raw.join('\n')).not.toContain(token.split('.')[1]);
    });

    it('a known user whose profile turns invalid keeps the stored profile', async () => {
      const good = await auth.authenticate({ authorization: `Bearer ${await provider.sign({ sub: 'erin-sub', name: 'Erin' })}` });
      const [stored] = await userRows('erin-sub');
      const bad = await provider.sign({ sub: 'erin-sub', name: 'Erin\u0000' });
      await expect(auth.authenticate({ authorization: `Bearer ${bad}` })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_CLAIM_INVALID' });
      expect(await userRows('erin-sub')).toEqual([stored]);
      expect(stored).toMatchObject({ id: good.userId, name: 'Erin' });
    });
  });

  it('logs each failure once with its reason, never the credential', async () => {
    logs.lines.length = 0;
    logs.raw.length = 0;
    const expired = await provider.sign({ sub: 'alice-sub' }, { expiresIn: -120 });
    await auth.authenticate({ authorization: `Bearer ${expired}`, apiKey }).catch(() => undefined);
    const failures = logs.failures();
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 30, method: 'bearer', reason: 'TOKEN_EXPIRED', detail: expect.stringContaining('ERR_JWT_EXPIRED') });
    const all = logs.raw.join('\n');
    expect(all).not.toContain(expired.split('.')[2]);
    expect(all).not.toContain(apiKey);
  });
});
