import { daysFromNow } from '../../../src/api-keys/api-key.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapDatabaseError } from '../../../src/infra/db/pg-errors.js';
import { nameKey } from '../../../src/shared/names.js';
import { insertTenant } from '../../../src/tenants/tenant.repository.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { servicesFor, TEST_SETUP } from '../../support/services.js';

/** Groups and API keys have no API yet; their uniqueness is checked where their rows are written. */
describe('group and API key names are unique by name key', () => {
  let database: TestDatabase;
  let tenantId: string;
  const users = ['U1', 'U2'];

  const issue = async (name: string, ownerUserId = 'U1') => {
    const services = servicesFor(database);
    return (await services.uow.run((tx) => services.apiKeys.issue(tx, { tenantId, ownerUserId, name, expiresAt: daysFromNow(30) }), TEST_SETUP)).value;
  };
  const insertGroup = async (id: string, name: string) => {
    try {
      await database.db.insertInto('groups').values({ id, tenant_id: tenantId, name, name_key: nameKey(name) }).execute();
    } catch (error) {
      throw mapDatabaseError(error);
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    tenantId = (await database.db.transaction().execute((trx) => insertTenant(trx, { id: 'T1', name: 'Tenant' }))).id;
    for (const id of users) {
      await database.pool.query(`INSERT INTO users (id, issuer, subject, username, username_key) VALUES ($1, 'i', $1, $1, lower($1))`, [id]);
    }
  });
  afterAll(async () => database.drop());

  it('an owner cannot have two active keys with the same name in any case or width', async () => {
    const first = await issue('Deploy Ｋｅｙ');
    for (const duplicate of ['deploy key', 'DEPLOY KEY', 'Deploy\u00a0 Key', 'ｄｅｐｌｏｙ ｋｅｙ']) {
      await expect(issue(duplicate), duplicate).rejects.toMatchObject({ code: 'CONFLICT', reason: 'API_KEY_NAME_TAKEN' });
    }
    // Another owner may, and so may the same owner once the key is revoked.
    await expect(issue('deploy key', 'U2')).resolves.toMatchObject({ apiKey: { name: 'deploy key' } });
    await database.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [first.apiKey.id]);
    await expect(issue('DEPLOY KEY')).resolves.toMatchObject({ apiKey: { name: 'DEPLOY KEY' } });
  });

  it('API key names follow the name rules and are stored in NFC', async () => {
    await expect(issue('\u200b')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NAME_EMPTY' });
    await expect(issue('key\u202e')).rejects.toMatchObject({ code: 'BAD_USER_INPUT', reason: 'NAME_BIDI_CONTROL' });
    expect((await issue('Cle\u0301')).apiKey.name).toBe('Clé');
  });

  it('two groups of a tenant cannot share a name key', async () => {
    await insertGroup('G1', 'Σίσυφος');
    await expect(insertGroup('G2', 'ΣΊΣΥΦΟΣ')).rejects.toMatchObject({ code: 'CONFLICT', reason: 'GROUP_NAME_TAKEN' });
  });
});
