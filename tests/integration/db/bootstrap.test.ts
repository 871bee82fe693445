import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';
import { waitFor } from '../../support/wait-for.js';
import { startSpiceDbBridge, type SpiceDbBridge } from '../../support/spicedb-grpc-bridge.js';

const KEY_LINE = /^Bootstrap admin API key: (karto_\w+)$/;

describe('bootstrap when three processes start at once', () => {
  let database: TestDatabase;
  let bridge: SpiceDbBridge;
  let services: ChildService[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // Several processes need one SpiceDB between them (an embedded one lives inside one process).
    bridge = await startSpiceDbBridge();
    const env = { DATABASE_URL: database.url, SPICEDB_ENDPOINT: bridge.endpoint, SPICEDB_TOKEN: 'test', SPICEDB_INSECURE: 'true' };
    services = await Promise.all([1, 2, 3].map(() => startChildService(env)));
  }, 120_000);
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await bridge.close();
    await database.drop();
  });

  it('creates exactly one tenant, one root, one admin and prints exactly one key', async () => {
    const keys = services.flatMap((s) => s.lines.map((l) => KEY_LINE.exec(l)?.[1]).filter((k): k is string => k !== undefined));
    expect(keys).toHaveLength(1);
    const { rows } = await database.pool.query(
      `SELECT (SELECT count(*) FROM tenants)::int AS tenants,
              (SELECT count(*) FROM workspaces WHERE parent_id IS NULL)::int AS roots,
              (SELECT count(*) FROM tenant_members WHERE role = 'admin')::int AS admins,
              -- The bootstrap admin's power comes from the tenant role alone: no grant on the root.
              (SELECT count(*) FROM workspace_members)::int AS workspace_grants,
              (SELECT count(*) FROM api_keys)::int AS keys`,
    );
    expect(rows[0]).toEqual({ tenants: 1, roots: 1, admins: 1, workspace_grants: 0, keys: 1 });

    // Once the relay (whichever process leads it) has applied the bootstrap events, the key works against any process.
    await waitFor(async () => (await database.pool.query(`SELECT 1 FROM outbox WHERE status = 'pending'`)).rowCount === 0, 10_000);
    const response = await fetch(services[2]?.url ?? '', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': keys[0] ?? '' },
      body: JSON.stringify({ query: '{ viewer { user { username } tenants { nodes { name rootWorkspace { name } } } } }' }),
    });
    expect(await response.json()).toEqual({
      data: { viewer: { user: { username: 'bootstrap-admin' }, tenants: { nodes: [{ name: 'default', rootWorkspace: { name: 'Root' } }] } } },
    });
  });

  it('stops gracefully on SIGTERM', async () => {
    const service = services.pop();
    expect(await service?.stop('SIGTERM')).toBe(0);
    expect(service?.lines.some((l) => l.includes('"event":"server_stopped"'))).toBe(true);
  });
});
