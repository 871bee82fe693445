import type { DomainEvent } from '../src/events/domain-events.js';
import { ADVISORY_LOCKS } from '../src/infra/db/advisory-locks.js';
import type { CodeMigration } from '../src/infra/db/migrator.js';
import { outboxRow } from '../src/outbox/outbox.repository.js';

/**
 * Removes the direct ADMIN grant on the root workspace that creating a tenant, and the bootstrap,
 * used to write beside the tenant ADMIN role. That grant outlived a demotion (it manages the whole
 * tree through `parent->manage`), so a demoted creator kept every power a later admin lost.
 *
 * Such a grant was inserted in the transaction that made its holder tenant admin, so its
 * `created_at` (now(), the transaction's start) equals that of the holder's tenant membership; a
 * root grant made later with grantWorkspaceRole has a later one and stays. Each removal gets the
 * outbox event that takes its relationship out of SpiceDB, appended under the append lock like
 * every other writer's.
 */
export const creatorRootGrantsMigration: CodeMigration = {
  name: '0006_creator_root_grants',
  async up(client, logger) {
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.outboxAppend]);
    const { rows } = await client.query<{ tenant_id: string; workspace_id: string; user_id: string }>(`
      DELETE FROM workspace_members g
      USING workspaces w, tenant_members m
      WHERE g.workspace_id = w.id AND w.parent_id IS NULL
        AND g.user_id = m.user_id AND m.tenant_id = w.tenant_id
        AND g.role = 'admin' AND g.created_at = m.created_at
      RETURNING w.tenant_id, g.workspace_id, g.user_id`);
    if (rows.length === 0) return;
    const events: DomainEvent[] = rows.map((r) => ({
      type: 'WorkspaceMemberRemoved',
      tenantId: r.tenant_id,
      workspaceId: r.workspace_id,
      subject: { type: 'user', id: r.user_id },
      role: 'admin',
    }));
    const outbox = events.map(outboxRow);
    await client.query(
      `INSERT INTO outbox (tenant_id, aggregate_type, aggregate_id, event_type, payload)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
      [outbox.map((o) => o.tenant_id), outbox.map((o) => o.aggregate_type), outbox.map((o) => o.aggregate_id), outbox.map((o) => o.event_type), outbox.map((o) => o.payload)],
    );
    logger.warn(
      { event: 'creator_root_grants_removed', count: rows.length, grants: rows.map((r) => ({ tenantId: r.tenant_id, workspaceId: r.workspace_id, userId: r.user_id })) },
      `removed ${rows.length} root workspace ADMIN grant(s) written with tenant creation or bootstrap; tenant admins keep their power through the tenant role`,
    );
  },
};
