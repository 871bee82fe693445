import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ADVISORY_LOCKS } from '../../../src/infra/db/advisory-locks.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createTestDatabase, terminateSessions, type TestDatabase } from '../../support/database.js';
import { CREATE_WORKSPACE, GET_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { waitFor } from '../../support/wait-for.js';

const KEY_LINE = /^Bootstrap admin API key: (karto_\w+)$/;
const TREE = '{ viewer { tenants { nodes { id rootWorkspace { id children { nodes { id name } } } } } } }';
const CLIENTS = 8;
const KILL_ROUNDS = 6;

interface Outcome {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

describe('PostgreSQL connections killed under load', () => {
  let database: TestDatabase;
  let service: ChildService;
  // Outside the service's database, so that killing every session there spares our own.
  let observer: pg.Client;
  let name: string;
  let post: (query: string, variables?: Record<string, unknown>) => Promise<Outcome>;

  beforeAll(async () => {
    database = await createTestDatabase();
    name = new URL(database.url).pathname.slice(1);
    observer = new pg.Client({ connectionString: inject('pgAdminUrl') });
    await observer.connect();
    service = await startChildService({ DATABASE_URL: database.url });
    const key = service.lines.map((l) => KEY_LINE.exec(l)?.[1]).find((k) => k !== undefined) ?? '';
    post = async (query, variables = {}) => {
      const response = await fetch(service.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, body: (await response.json()) as Outcome['body'] };
    };
  }, 120_000);
  afterAll(async () => {
    await service?.stop('SIGKILL');
    await observer?.end();
    await database.drop();
  });

  /** Every session in the service's database: its pool, its LISTEN connection, its relay (and the test pool's). */
  const terminateServiceBackends = (): Promise<number> => terminateSessions(observer, name);

  const relayLeaderPid = async (): Promise<number | undefined> => {
    const result = await observer.query<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l JOIN pg_database d ON d.oid = l.database
        WHERE d.datname = $1 AND l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = $2::bigint::oid AND l.objsubid = 1`,
      [name, ADVISORY_LOCKS.outboxRelay],
    );
    return result.rows[0]?.pid;
  };

  const listening = async (): Promise<boolean> => {
    const result = await observer.query(`SELECT 1 FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'`, [name]);
    return (result.rowCount ?? 0) > 0;
  };

  it('keeps serving: failed requests get a GraphQL error, the relay and LISTEN come back, later mutations reach SpiceDB', async () => {
    const tree = await post(TREE);
    const rootId = (tree.body.data as { viewer: { tenants: { nodes: { rootWorkspace: { id: string } }[] } } }).viewer.tenants.nodes[0]
      ?.rootWorkspace.id;
    expect(rootId).toBeDefined();
    const leaderBefore = await relayLeaderPid();
    expect(leaderBefore).toBeDefined();

    let loading = true;
    const outcomes: Outcome[] = [];
    const transportFailures: unknown[] = [];
    const client = async (n: number): Promise<void> => {
      for (let i = 0; loading; i += 1) {
        const request =
          i % 2 === 0 ? post(TREE) : post(CREATE_WORKSPACE, { parentId: rootId, name: `load-${n}-${i}` });
        await request.then(
          (outcome) => outcomes.push(outcome),
          (error: unknown) => transportFailures.push(error),
        );
      }
    };
    const clients = Array.from({ length: CLIENTS }, (_, n) => client(n));

    let killed = 0;
    for (let round = 0; round < KILL_ROUNDS; round += 1) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      killed += await terminateServiceBackends();
    }
    loading = false;
    await Promise.all(clients);

    expect(service.process.exitCode, service.lines.slice(-10).join('\n')).toBeNull();
    expect(transportFailures).toEqual([]);
    expect(killed).toBeGreaterThan(KILL_ROUNDS);
    const failed = outcomes.filter((o) => o.body.errors !== undefined);
    const succeeded = outcomes.filter((o) => o.body.errors === undefined);
    expect(succeeded.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    // A request whose connection was killed fails like any other internal error: masked, with a code.
    for (const outcome of failed) {
      for (const error of outcome.body.errors ?? []) expect(error.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    }

    // The relay takes leadership again on a new session (one poll interval after losing it).
    const leaderAfter = await waitFor(relayLeaderPid, { timeoutMs: 5_000, intervalMs: 50, message: 'relay leadership' });
    expect(leaderAfter).not.toBe(leaderBefore);
    await waitFor(listening, { timeoutMs: 5_000, intervalMs: 50, message: 'LISTEN connection' });

    const started = Date.now();
    const created = await post(CREATE_WORKSPACE, { parentId: rootId, name: 'after-the-kills' });
    expect(created.body.errors).toBeUndefined();
    const { workspace, authorizationSynced } = (created.body.data as CreatedWorkspace).createWorkspace;
    expect(authorizationSynced).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    const read = await post(GET_WORKSPACE, { id: workspace.id });
    expect(read.body).toEqual({
      data: { workspace: expect.objectContaining({ id: workspace.id, name: 'after-the-kills', viewerPermissions: expect.objectContaining({ view: true }) }) },
    });
    for (let i = 0; i < 5; i += 1) expect((await post(TREE)).body.errors).toBeUndefined();
    expect(service.process.exitCode).toBeNull();
  });
});
