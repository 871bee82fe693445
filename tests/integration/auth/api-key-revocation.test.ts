import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * An API-key request costs one SQL statement before any resolver runs (the key, its owner's
 * membership and the freshness token together), and nothing about a key is remembered between
 * requests: a revocation counts from the next request, in every process.
 */
async function typename(url: string, key: string): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': key },
    body: JSON.stringify({ query: 'query Ceiling { __typename }' }),
  });
  return response.status;
}

describe('API key revocation across processes', () => {
  let a: TestServer;
  let b: ChildService;
  let logs: CapturedLogs;

  beforeAll(async () => {
    logs = captureLogs('info');
    a = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
    // A second process on the same database (and the same embedded SpiceDB datastore).
    b = await startChildService({ DATABASE_URL: a.database.url });
  }, 120_000);
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  it('costs one SQL statement per request for the key and the freshness token together', async () => {
    logs.lines.length = 0;
    expect(await typename(a.url, a.adminKey)).toBe(200);
    const line = logs.lines.find((l) => l.event === 'graphql_request' && l.operationName === 'Ceiling');
    expect({ sql: line?.sql, spicedb: line?.spicedb }).toEqual({ sql: 1, spicedb: 0 });
  });

  it('a revoked key fails at the next request to either process', async () => {
    expect(await typename(a.url, a.adminKey)).toBe(200);
    expect(await typename(b.url, a.adminKey)).toBe(200);
    await a.database.pool.query('UPDATE api_keys SET revoked_at = now() WHERE revoked_at IS NULL');
    expect(await typename(b.url, a.adminKey)).toBe(401);
    expect(await typename(a.url, a.adminKey)).toBe(401);
  });
});
