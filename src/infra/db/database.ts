import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { ApiKeyTable } from '../../api-keys/api-key.table.js';
import type { GroupMemberTable, GroupTable, TenantMemberTable, WorkspaceMemberTable } from '../../memberships/membership.table.js';
import type { AuthzStateTable, OutboxTable } from '../../outbox/outbox.table.js';
import type { TenantTable } from '../../tenants/tenant.table.js';
import type { UserTable } from '../../users/user.table.js';
import type { WorkspaceTable } from '../../workspaces/workspace.table.js';
import { countStatements } from './query-counter.js';

export interface Database {
  users: UserTable;
  tenants: TenantTable;
  tenant_members: TenantMemberTable;
  workspaces: WorkspaceTable;
  workspace_members: WorkspaceMemberTable;
  groups: GroupTable;
  group_members: GroupMemberTable;
  api_keys: ApiKeyTable;
  outbox: OutboxTable;
  authz_state: AuthzStateTable;
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

export function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  return pool;
}

export function createDatabase(url: string, readUrl: string | undefined, poolMax: number): DatabaseHandles {
  const pool = createPool(url, poolMax);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: countStatements });
  const pools = [pool];
  let readDb = db;
  if (readUrl) {
    const readPool = createPool(readUrl, poolMax);
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
    },
  };
}
