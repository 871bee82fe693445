import { daysFromNow } from '../src/api-keys/api-key.js';
import type pg from 'pg';
import { bootstrap } from '../src/bootstrap/bootstrap.js';
import { systemActor } from '../src/events/actor.js';
import { insertTenantMember } from '../src/tenants/tenant-member.repository.js';
import { insertGrant } from '../src/workspaces/workspace-member.repository.js';
import { upsertUserFromIdentity } from '../src/users/user.repository.js';
import { createDatabase, type Db } from '../src/infra/db/database.js';
import { startEmbeddedPostgres } from '../src/infra/db/embedded-postgres.js';
import { migrate } from '../src/infra/db/migrator.js';
import { MIGRATIONS } from '../migrations/index.js';
import { createLogger, type Logger } from '../src/logger.js';
import { newId } from '../src/shared/ids.js';
import { nameKey } from '../src/shared/names.js';
import { loadConfig } from '../src/config.js';
import { outboxPort } from '../src/outbox/outbox-port.js';
import { createServices, serviceSettings } from '../src/services.js';

export interface TreeShape {
  fanOut: number;
  /** Levels under the root. */
  depth: number;
}

export interface SeededTenant {
  tenantId: string;
  rootId: string;
  /** A workspace on the deepest level. */
  leafId: string;
  leafName: string;
  adminApiKey: string;
  /** Up to 1,000 leaves spread over the tree, with their grandparent's name (for cold parent walks). */
  sampleLeaves: Leaf[];
  /** A tenant member whose only grant is `member` on a workspace two levels above the leaves. */
  member: { apiKey: string; grantId: string; leaves: Leaf[] };
  /**
   * A tenant member whose only grant is `admin` on the last workspace of depth 1 (`ws-9`: its
   * subtree comes last in list order, the worst place for a scan of the tenant in that order).
   */
  lister: { apiKey: string; grantName: string; viewable: number };
  /** A tenant member whose only grant is `member` on the root: a lookup over the whole tree without being a tenant admin. */
  reader: { apiKey: string };
  /**
   * A tenant member who holds `editor` only through a group, granted on the first workspace of depth
   * 1; `leafId` is a workspace of depth 4, three levels below that grant (a leaf of the 11,111 tree).
   */
  grouped: { apiKey: string; groupName: string; grantName: string; leafId: string };
  /** Every workspace of the tenant, the root included. */
  workspaces: number;
  postgresVersion: string;
  durationMs: number;
  /** The embedded PostgreSQL's URL (its password is kept in the data dir, so it stays valid). */
  databaseUrl: string;
}

interface Node {
  id: string;
  label: string;
}

export interface Leaf {
  id: string;
  grandparentName: string;
}

const grandparentOf = (label: string): string => label.split('-').slice(0, -2).join('-');

/**
 * Fills a fresh embedded PostgreSQL under `dataDir` the way the service would find it after a
 * long life: migrations, bootstrap (default tenant, root, admin with an API key), then a full tree
 * inserted straight into `workspaces`, one statement per level (its triggers fill
 * `workspace_ancestors`), then two members with one grant each. No outbox events for the tree: the
 * service's start-up reconciles the embedded SpiceDB with these tables. PostgreSQL is stopped again at the end.
 */
export async function seedTenant(dataDir: string, postgresPort: number, shape: TreeShape): Promise<SeededTenant> {
  const started = Date.now();
  return withSeedDatabase(dataDir, postgresPort, async ({ pool, services, logger, url }) => {
    await migrate(pool, MIGRATIONS);
    const boot = await bootstrap(services, { tenantName: 'default', adminUsername: 'bootstrap-admin' }, logger);
    if (!boot.adminApiKey) throw new Error('bootstrap did not issue an admin key (data folder not empty?)');

    let level: Node[] = [{ id: boot.rootWorkspaceId, label: 'ws' }];
    const levels: Node[][] = [level];
    let workspaces = 1;
    for (let depth = 1; depth <= shape.depth; depth += 1) {
      level = await insertLevel(pool, boot.tenantId, depth, childrenOf(level, shape.fanOut));
      levels.push(level);
      workspaces += level.length;
    }
    const toLeaf = (n: Node): Leaf => ({ id: n.id, grandparentName: grandparentOf(n.label) });
    const stride = Math.max(1, Math.floor(level.length / 1000));
    const sampleLeaves = level.filter((_, i) => i % stride === 0).slice(0, 1000).map(toLeaf);
    // The member's grant: the last node two levels above the leaves; its leaves are the last fanOut².
    const grant = levels[shape.depth - 2]?.at(-1);
    if (!grant) throw new Error('the tree is too shallow for a member grant');
    const memberLeaves = level.filter((n) => n.label.startsWith(`${grant.label}-`)).map(toLeaf);
    const memberWith = (username: string, workspaceId: string, role: 'member' | 'admin' | 'editor', throughGroup?: string) =>
      services.uow.run(async (tx) => {
        const user = await upsertUserFromIdentity(tx.trx, { issuer: 'https://bench.local', subject: username, username, name: null, email: null });
        await insertTenantMember(tx.trx, boot.tenantId, user.id, 'member');
        tx.emit({ type: 'TenantMemberAdded', tenantId: boot.tenantId, userId: user.id, role: 'member' });
        if (throughGroup) {
          // Rows only: the service's first start reconciles SpiceDB with these tables.
          const groupId = newId();
          await tx.trx.insertInto('groups').values({ id: groupId, tenant_id: boot.tenantId, name: throughGroup, name_key: nameKey(throughGroup) }).execute();
          await tx.trx.insertInto('group_members').values({ group_id: groupId, user_id: user.id, role: 'member' }).execute();
          await tx.trx.insertInto('workspace_members').values({ workspace_id: workspaceId, user_id: null, group_id: groupId, role }).execute();
        } else {
          await insertGrant(tx.trx, workspaceId, { type: 'user', id: user.id }, role);
          tx.emit({ type: 'WorkspaceMemberAdded', tenantId: boot.tenantId, workspaceId, subject: { type: 'user', id: user.id }, role });
        }
        return (await services.apiKeys.issue(tx, { tenantId: boot.tenantId, ownerUserId: user.id, name: username, expiresAt: daysFromNow(30) })).secret;
      }, { by: { actor: systemActor('bench-seed') } });
    const { value: memberKey } = await memberWith('bench-member', grant.id, 'member');
    const listerGrant = levels[1]?.at(-1);
    if (!listerGrant) throw new Error('the tree has no first level');
    const { value: listerKey } = await memberWith('bench-lister', listerGrant.id, 'admin');
    const { value: readerKey } = await memberWith('bench-reader', boot.rootWorkspaceId, 'member');
    const groupedGrant = levels[1]?.[0];
    const groupedLeaf = levels[4]?.find((n) => groupedGrant && n.label.startsWith(`${groupedGrant.label}-`));
    if (!groupedGrant || !groupedLeaf) throw new Error('the tree is too shallow for a grant three levels above a leaf');
    const { value: groupedKey } = await memberWith('bench-grouped', groupedGrant.id, 'editor', 'bench-editors');
    const below = (levels: number): number => Array.from({ length: levels }, (_, i) => shape.fanOut ** i).reduce((a, b) => a + b, 0);
    // Fresh planner statistics, as autovacuum would have them after a while.
    await pool.query('ANALYZE');
    const version = await pool.query<{ server_version: string }>('SHOW server_version');
    const leaf = level[level.length - 1];
    if (!leaf) throw new Error('the tree has no leaves');
    return {
      tenantId: boot.tenantId,
      rootId: boot.rootWorkspaceId,
      leafId: leaf.id,
      leafName: leaf.label,
      adminApiKey: boot.adminApiKey,
      sampleLeaves,
      member: { apiKey: memberKey, grantId: grant.id, leaves: memberLeaves },
      lister: { apiKey: listerKey, grantName: listerGrant.label, viewable: below(shape.depth) },
      reader: { apiKey: readerKey },
      grouped: { apiKey: groupedKey, groupName: 'bench-editors', grantName: groupedGrant.label, leafId: groupedLeaf.id },
      workspaces,
      postgresVersion: version.rows[0]?.server_version ?? 'unknown',
      durationMs: Date.now() - started,
      databaseUrl: url,
    };
  });
}

interface PendingNode extends Node {
  parentId: string;
}

function childrenOf(parents: Node[], fanOut: number): PendingNode[] {
  return parents.flatMap((parent) =>
    Array.from({ length: fanOut }, (_, i) => ({ id: newId(), parentId: parent.id, label: `${parent.label}-${i}` })),
  );
}

async function insertLevel(pool: pg.Pool, tenantId: string, depth: number, nodes: PendingNode[]): Promise<Node[]> {
  await pool.query(
    `INSERT INTO workspaces (id, tenant_id, parent_id, name, name_key, depth)
     SELECT t.id, $1, t.parent_id, t.name, t.name_key, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, parent_id, name, name_key)`,
    [tenantId, depth, nodes.map((n) => n.id), nodes.map((n) => n.parentId), nodes.map((n) => n.label), nodes.map((n) => nameKey(n.label))],
  );
  return nodes;
}

export interface SeedDatabase {
  url: string;
  pool: pg.Pool;
  db: Db;
  /** The service's own writers, with no relay: the service's start-up reconciles SpiceDB with the tables. */
  services: ReturnType<typeof createServices>;
  logger: Logger;
}

/** The embedded PostgreSQL of a bench data dir, started for `seed` and stopped again after it. */
export async function withSeedDatabase<T>(dataDir: string, postgresPort: number, seed: (database: SeedDatabase) => Promise<T>): Promise<T> {
  const logger = createLogger('warn');
  const postgres = await startEmbeddedPostgres({ dataDir, port: postgresPort, database: 'iam', logger });
  const database = createDatabase(postgres.url, undefined, 2);
  try {
    const pool = database.pools[0];
    if (!pool) throw new Error('no database pool');
    const services = createServices({ db: database.db, outbox: outboxPort(), logger, settings: serviceSettings(loadConfig({})) });
    return await seed({ url: postgres.url, pool, db: database.db, services, logger });
  } finally {
    await database.close();
    await postgres.stop();
  }
}
