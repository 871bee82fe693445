import { daysFromNow } from '../../../src/api-keys/api-key.js';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { touchApiKeyLastUsed } from '../../../src/api-keys/api-key-auth.repository.js';
import { checksum, generateApiKeySecret } from '../../../src/api-keys/api-key-secret.js';
import type { IssueApiKeyInput, IssuedApiKey } from '../../../src/api-keys/api-key.service.js';
import { createAuthenticator, type Authenticator } from '../../../src/auth/authenticate.js';
import { runWithCounters } from '../../../src/shared/request-counters.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { emitted, servicesFor, TEST_SETUP } from '../../support/services.js';
import { addTenantMember, captureLogs, insertTenant, insertUser, type CapturedLogs } from './support.js';

describe('authentication with an API key', () => {
  let database: TestDatabase;
  let logs: CapturedLogs;
  let auth: Authenticator;
  let tenantId: string;
  let ownerId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    logs = captureLogs();
    auth = createAuthenticator({ db: database.db, jwt: undefined, logger: logs.logger });
    tenantId = await insertTenant(database);
    ownerId = await insertUser(database, 'owner');
    await addTenantMember(database, tenantId, ownerId);
  });
  afterAll(async () => {
    await auth.flush();
    await database.drop();
  });

  let counter = 0;
  /** Issues through the unit of work, which maps constraint violations to their stable errors. */
  async function issueKey(input: IssueApiKeyInput): Promise<IssuedApiKey> {
    const services = servicesFor(database);
    return (await services.uow.run((tx) => services.apiKeys.issue(tx, input), TEST_SETUP)).value;
  }
  function issue(overrides: { tenantId?: string; ownerUserId?: string; expiresAt?: Date } = {}): Promise<IssuedApiKey> {
    counter += 1;
    return issueKey({ tenantId, ownerUserId: ownerId, name: `key ${counter}`, expiresAt: daysFromNow(30), ...overrides });
  }

  async function lastUsedAt(id: string): Promise<Date | null> {
    const result = await database.pool.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM api_keys WHERE id = $1', [id]);
    return result.rows[0]?.last_used_at ?? null;
  }

  it('issues a key stored only as its SHA-256 digest, with the event for the outbox', async () => {
    counter += 1;
    const { value: issued, events } = await emitted(database.db, (tx) =>
      servicesFor(database).apiKeys.issue(tx, { tenantId, ownerUserId: ownerId, name: `key ${counter}`, expiresAt: new Date(Date.now() + 3_600_000) }),
    );
    expect(events).toEqual([{ type: 'ApiKeyCreated', tenantId, apiKeyId: issued.apiKey.id, ownerUserId: ownerId }]);
    expect(issued.apiKey).toMatchObject({ tenantId, ownerUserId: ownerId, prefix: issued.secret.slice(0, 14), revokedAt: null, lastUsedAt: null });
    const row = await database.pool.query('SELECT * FROM api_keys WHERE id = $1', [issued.apiKey.id]);
    expect(row.rows[0].secret_sha256).toEqual(createHash('sha256').update(issued.secret).digest());
    expect(JSON.stringify(row.rows[0])).not.toContain(issued.secret.slice(14));
    const outbox = await database.pool.query('SELECT count(*)::int AS n FROM outbox');
    expect(outbox.rows[0]).toEqual({ n: 0 });
  });

  it('refuses bad names, past expiry and a duplicate live name', async () => {
    await expect(issueKey({ tenantId, ownerUserId: ownerId, name: '  ', expiresAt: daysFromNow(30) })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'name',
    });
    await expect(issue({ expiresAt: new Date(Date.now() - 1000) })).rejects.toMatchObject({ code: 'BAD_USER_INPUT', field: 'expiresAt' });
    await issueKey({ tenantId, ownerUserId: ownerId, name: 'Deploy', expiresAt: daysFromNow(30) });
    await expect(issueKey({ tenantId, ownerUserId: ownerId, name: ' deploy ', expiresAt: daysFromNow(30) })).rejects.toMatchObject({ code: 'CONFLICT', reason: 'API_KEY_NAME_TAKEN' });
  });

  it("authenticates as the key's owner, confined to its tenant, in one SQL statement", async () => {
    const { secret, apiKey } = await issue();
    const counters = { sql: 0, spicedb: 0 };
    const principal = await runWithCounters(counters, () => auth.authenticate({ apiKey: secret }));
    expect(principal).toEqual({ userId: ownerId, username: 'owner', via: 'api_key', apiKeyId: apiKey.id, tenantScope: tenantId });
    expect(counters.sql).toBe(1);
  });

  it('writes last_used_at at most once a minute', async () => {
    const { secret, apiKey } = await issue();
    await auth.authenticate({ apiKey: secret });
    await auth.flush();
    const first = await lastUsedAt(apiKey.id);
    expect(first).toBeInstanceOf(Date);

    await auth.authenticate({ apiKey: secret });
    await auth.authenticate({ apiKey: secret });
    await auth.flush();
    expect(await lastUsedAt(apiKey.id)).toEqual(first);
    // The guard is in the UPDATE too, for other processes racing on the same key.
    expect(await touchApiKeyLastUsed(database.db, apiKey.id)).toBe(false);

    await database.pool.query(`UPDATE api_keys SET last_used_at = now() - interval '61 seconds' WHERE id = $1`, [apiKey.id]);
    const stale = await lastUsedAt(apiKey.id);
    await auth.authenticate({ apiKey: secret });
    await auth.flush();
    expect((await lastUsedAt(apiKey.id))?.getTime()).toBeGreaterThan(stale?.getTime() ?? Infinity);
  });

  async function expectRejected(raw: string, logReason: string): Promise<void> {
    logs.lines.length = 0;
    logs.raw.length = 0;
    await expect(auth.authenticate({ apiKey: raw })).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'API_KEY_INVALID',
      message: 'Invalid API key: unknown, revoked and expired keys are all refused alike',
    });
    expect(logs.failures()).toEqual([expect.objectContaining({ level: 40, method: 'api_key', reason: logReason })]);
    // Only the non-secret lookup prefix (karto_ + 8 characters) may appear in the log.
    if (raw.length > 14) expect(logs.raw.join('\n')).not.toContain(raw.slice(14));
  }

  it('rejects an expired key', async () => {
    const { secret, apiKey } = await issue({ expiresAt: new Date(Date.now() + 60_000) });
    await database.pool.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [apiKey.id]);
    await expectRejected(secret, 'API_KEY_EXPIRED');
  });

  it('rejects a revoked key', async () => {
    const { secret, apiKey } = await issue();
    await database.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [apiKey.id]);
    await expectRejected(secret, 'API_KEY_REVOKED');
  });

  it('rejects an unknown key, also one sharing a stored prefix', async () => {
    await expectRejected(generateApiKeySecret().secret, 'API_KEY_UNKNOWN');
    const { secret } = await issue();
    const random = `${secret.slice(6, 14)}${generateApiKeySecret().secret.slice(14, 46)}`;
    await expectRejected(`karto_${random}${checksum(random)}`, 'API_KEY_UNKNOWN');
  });

  it('rejects a malformed key or a bad checksum without querying', async () => {
    const { secret } = await issue();
    const last = secret.charAt(secret.length - 1) === 'a' ? 'b' : 'a';
    for (const raw of [`${secret.slice(0, -1)}${last}`, 'karto_short', 'not-a-key', `${secret}x`]) {
      const counters = { sql: 0, spicedb: 0 };
      await runWithCounters(counters, () => expectRejected(raw, 'API_KEY_MALFORMED'));
      expect(counters.sql).toBe(0);
    }
  });

  it("rejects a key whose owner left the key's tenant, and accepts it again on return", async () => {
    const { secret } = await issue();
    await database.pool.query('DELETE FROM tenant_members WHERE tenant_id = $1 AND user_id = $2', [tenantId, ownerId]);
    try {
      await expectRejected(secret, 'API_KEY_OWNER_NOT_TENANT_MEMBER');
    } finally {
      await addTenantMember(database, tenantId, ownerId);
    }
    await expect(auth.authenticate({ apiKey: secret })).resolves.toMatchObject({ userId: ownerId });
  });

  it("does not count membership of another tenant", async () => {
    const otherTenant = await insertTenant(database);
    const stranger = await insertUser(database, 'stranger');
    await addTenantMember(database, tenantId, stranger);
    const { secret } = await issue({ tenantId: otherTenant, ownerUserId: stranger });
    await expectRejected(secret, 'API_KEY_OWNER_NOT_TENANT_MEMBER');
  });
});
