import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { snapshot } from '../../support/snapshot.js';

describe('errors: client mistakes are client errors, and every internal error is logged once with its request id', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  beforeAll(async () => {
    logs = captureLogs('info');
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
  });
  afterAll(async () => server.stop());

  const post = async (body: unknown, requestId: string, headers: Record<string, string> = {}) => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.adminKey, 'x-request-id': requestId, ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] } };
  };
  const errorLines = (requestId: string) => logs.lines.filter((l) => l.requestId === requestId && l.level === 50);

  it('answers an APQ hash that does not match its query with BAD_USER_INPUT', async () => {
    const query = '{ __typename }';
    const wrong = createHash('sha256').update('something else').digest('hex');
    const response = await post({ query, extensions: { persistedQuery: { version: 1, sha256Hash: wrong } } }, 'apq-mismatch');
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]).toMatchObject({ message: 'provided sha does not match query', extensions: { code: 'BAD_USER_INPUT' } });
    expect(errorLines('apq-mismatch')).toEqual([]);
  });

  it.each([
    ['an unknown __typename', { __typename: 'Nope', id: '01J00000000000000000000000' }],
    ['no __typename', { id: '01J00000000000000000000000' }],
    ['a numeric id', { __typename: 'Workspace', id: 42 }],
    ['no id', { __typename: 'Tenant' }],
  ])('refuses _entities with %s as BAD_USER_INPUT, changing nothing', async (_label, representation) => {
    const before = await snapshot(server);
    const response = await post(
      { query: 'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }', variables: { r: [representation] } },
      'bad-entity',
    );
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'representations', reason: 'INVALID_REPRESENTATION' });
    expect(errorLines('bad-entity')).toEqual([]);
    expect(await snapshot(server)).toEqual(before);
  });

  it('during a database outage, answers 503 DATABASE_UNAVAILABLE and logs the cause with the request id', async () => {
    const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await admin.connect();
    const database = new URL(server.database.url).pathname.slice(1);
    try {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      const response = await post({ query: '{ viewer { user { id } } }' }, 'db-outage');
      expect(response.status).toBe(503);
      expect(response.body.errors?.[0]).toMatchObject({ extensions: { code: 'INTERNAL_SERVER_ERROR', reason: 'DATABASE_UNAVAILABLE' } });
      const lines = errorLines('db-outage');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({ msg: 'unexpected error', err: expect.objectContaining({ message: expect.any(String) }) });
    } finally {
      await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    const recovered = await post({ query: '{ viewer { user { username } } }' }, 'db-back');
    expect(recovered.body).toEqual({ data: { viewer: { user: { username: 'bootstrap-admin' } } } });
  });
});
