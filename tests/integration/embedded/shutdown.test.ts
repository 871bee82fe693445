import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { EMBEDDED_DATABASE, openEmbeddedPostgres } from '../../../src/infra/db/embedded-postgres.js';
import { createLogger } from '../../../src/logger.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createEmbeddedDataDir, postgresProcessesOn, type EmbeddedDataDir } from '../../support/embedded-data-dir.js';
import { waitFor } from '../../support/wait-for.js';

const KEY_LINE = /^Bootstrap admin API key: (karto_\w+)$/;
const TREE = '{ viewer { tenants { nodes { name rootWorkspace { name } } } } }';
const IN_FLIGHT = 8;

describe.each(['SIGINT', 'SIGTERM'] as const)('%s to the process group of a service with embedded PostgreSQL', (signal) => {
  let dir: EmbeddedDataDir | undefined;
  let service: ChildService | undefined;
  let blocker: pg.Client | undefined;

  afterEach(async () => {
    await blocker?.end().catch(() => undefined);
    if (service?.process.exitCode === null) process.kill(-(service.process.pid ?? 0), 'SIGKILL');
    await service?.exited;
    await dir?.remove();
  });

  it('answers every request in flight, then stops the relay and PostgreSQL, and exits 0', { timeout: 120_000 }, async () => {
    dir = await createEmbeddedDataDir();
    // Like `npm start` in a terminal: Ctrl-C signals every process of the foreground group.
    service = await startChildService(dir.env, { processGroup: true, timeoutMs: 120_000 });
    const key = service.lines.map((l) => KEY_LINE.exec(l)?.[1]).find((k) => k !== undefined) ?? '';
    const [postmaster] = await postgresProcessesOn(dir.layout.clusterDir);
    expect(postmaster).toBeDefined();

    // Every request reads workspaces; holding that table keeps all of them in flight until we let go.
    const embedded = await openEmbeddedPostgres({ dataDir: dir.layout.dataDir, port: dir.postgresPort, database: EMBEDDED_DATABASE, logger: createLogger('silent') });
    blocker = new pg.Client({ connectionString: embedded.url });
    blocker.on('error', () => undefined);
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE');
    const requests = Array.from({ length: IN_FLIGHT }, async () => {
      const response = await fetch(service?.url ?? '', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': key },
        body: JSON.stringify({ query: TREE }),
      });
      return { status: response.status, body: (await response.json()) as unknown };
    });
    // pg_locks, not pg_stat_activity: statistics views are a snapshot taken once per transaction.
    const waiting = async (): Promise<boolean> => {
      const result = await blocker?.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'workspaces'::regclass AND NOT granted`,
      );
      return (result?.rows[0]?.n ?? 0) >= IN_FLIGHT;
    };
    await waitFor(waiting, { timeoutMs: 10_000, intervalMs: 20, message: 'requests waiting for the lock' });

    process.kill(-(service.process.pid ?? 0), signal);
    await waitFor(() => service?.lines.some((l) => l.includes('"event":"shutdown_requested"')), { message: 'shutdown to start' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The signal reached the service's whole process group, but PostgreSQL still serves the drain.
    expect((await blocker.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await blocker.query('COMMIT');
    await blocker.end();

    const answers = await Promise.all(requests);
    const answered = Date.now();
    expect(answers).toEqual(
      Array.from({ length: IN_FLIGHT }, () => ({
        status: 200,
        body: { data: { viewer: { tenants: { nodes: [{ name: 'default', rootWorkspace: { name: 'Root' } }] } } } },
      })),
    );
    expect(await service.exited).toBe(0);
    // Generous: what it guards against is waiting out the clients' keep-alive connections (72 s).
    expect(Date.now() - answered).toBeLessThan(20_000);
    const stopped = service.lines.findIndex((l) => l.includes('"event":"server_stopped"'));
    const relayReleased = service.lines.findIndex((l) => l.includes('outbox relay leadership released'));
    expect(relayReleased).toBeGreaterThan(-1);
    expect(stopped).toBeGreaterThan(relayReleased);
    // An ordinary shutdown logs no warning: every connection said goodbye before PostgreSQL stopped.
    const requested = service.lines.findIndex((l) => l.includes('"event":"shutdown_requested"'));
    const warnings = service.lines.slice(requested).filter((l) => /"level":(4|5|6)\d/.test(l) || l.startsWith('[stderr]'));
    expect(warnings).toEqual([]);
    expect(await postgresProcessesOn(dir.layout.clusterDir)).toEqual([]);
  });
});
