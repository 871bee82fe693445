import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { ApiKeyTable } from '../../api-keys/api-key.table.js';
import type { AuditLogTable, MaintenanceRunTable } from '../../audit/audit-log.table.js';
import type { GroupMemberTable, GroupTable } from '../../groups/group.table.js';
import type { InvitationGrantTable, InvitationTable } from '../../invitations/invitation.table.js';
import type { AuthzStateTable, OutboxTable } from '../../outbox/outbox.table.js';
import type { TenantMemberTable, TenantTable } from '../../tenants/tenant.table.js';
import type { UserTable } from '../../users/user.table.js';
import type { WorkspaceAncestorTable, WorkspaceMemberTable, WorkspaceTable } from '../../workspaces/workspace.table.js';
import type { Logger } from '../../logger.js';
import { usePreparedStatements } from './prepared-statements.js';
import { countStatements } from './query-counter.js';
import { fastTypes } from './timestamp-parser.js';

export interface Database {
  users: UserTable;
  tenants: TenantTable;
  tenant_members: TenantMemberTable;
  workspaces: WorkspaceTable;
  workspace_ancestors: WorkspaceAncestorTable;
  workspace_members: WorkspaceMemberTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  api_keys: ApiKeyTable;
  invitations: InvitationTable;
  invitation_grants: InvitationGrantTable;
  outbox: OutboxTable;
  authz_state: AuthzStateTable;
  audit_log: AuditLogTable;
  maintenance_runs: MaintenanceRunTable;
}

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Repositories accept either, so services decide where the transaction boundary is. */
export type Executor = Db | Tx;

export interface DatabaseHandles {
  /** Primary: every write and every read that must see the latest commit. */
  db: Db;
  /** Replica for plain reads when DATABASE_READ_URL is set, else the primary. */
  readDb: Db;
  pools: pg.Pool[];
  close(): Promise<void>;
}

/**
 * A pool whose connections may die at any time (server restart, failover, pg_terminate_backend)
 * without taking the process down. pg-pool listens for 'error' only on idle clients; a checked-out
 * client that loses its backend emits an 'error' nobody handles, which Node turns into a crash.
 * So every client gets a listener for its whole life: the query in flight still fails (its caller
 * answers with an error), and the pool drops the broken client when it is released.
 */
export function createPool(connectionString: string, max: number, logger?: Logger): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000, types: fastTypes });
  const open = new Set<pg.Client>();
  openClients.set(pool, open);
  pool.on('connect', (client) => {
    open.add(client);
    client.on('error', (error: Error & { code?: string }) => {
      logger?.warn({ component: 'pg-pool', err: error, code: error.code }, 'database connection lost');
    });
  });
  // 'remove' comes once the client's connection has ended.
  pool.on('remove', (client) => open.delete(client));
  // The same event, also emitted by the pool for idle clients; already logged above.
  pool.on('error', () => undefined);
  usePreparedStatements(pool);
  return pool;
}

const openClients = new WeakMap<pg.Pool, Set<pg.Client>>();

/**
 * Resolves once every connection of an ended pool has closed. pg-pool's end() resolves as soon as it
 * has asked its clients to end, before their sockets close; a PostgreSQL stopped right then (the
 * embedded one, at shutdown) terminates them, and each said "database connection lost".
 */
async function connectionsClosed(pool: pg.Pool, timeoutMs = 5_000): Promise<void> {
  const open = openClients.get(pool);
  const deadline = Date.now() + timeoutMs;
  while (open && open.size > 0 && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadline - Date.now());
      pool.once('remove', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

export function createDatabase(url: string, readUrl: string | undefined, poolMax: number, logger?: Logger): DatabaseHandles {
  const pool = createPool(url, poolMax, logger);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: countStatements });
  const pools = [pool];
  let readDb = db;
  if (readUrl) {
    const readPool = createPool(readUrl, poolMax, logger);
    pools.push(readPool);
    readDb = new Kysely<Database>({ dialect: new PostgresDialect({ pool: readPool }), log: countStatements });
  }
  return {
    db,
    readDb,
    pools,
    async close() {
      await db.destroy();
      if (readDb !== db) await readDb.destroy();
      // Kysely ends a pool only if it ever used it; one read only through `pools` is ours to end.
      await Promise.all(pools.filter((p) => !p.ending).map((p) => p.end()));
      await Promise.all(pools.map((p) => connectionsClosed(p)));
    },
  };
}
