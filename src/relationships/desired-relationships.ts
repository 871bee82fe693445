import type { Db } from '../infra/db/database.js';
import { unexpired } from '../infra/db/unexpired.js';
import { tupleKey, type Tuple } from '../infra/spicedb/relationships.js';
import { apiKeyTuples, groupMemberTuple, groupTenantTuple, tenantMemberTuple, workspaceMemberTuple, workspaceStructure } from './relationship-tuples.js';

/**
 * Every relationship PostgreSQL implies, read in one REPEATABLE READ snapshot so the tables agree
 * with each other; each expiring grant with its end (so reconcile compares ends too), and a row
 * past its end implies nothing (the sweeper deletes it), so no repair brings it back. Built from relationship-tuples.ts, like the relay's
 * event-relationships.ts, so rebuild and relay cannot disagree about what a row means.
 */
export async function desiredTuples(db: Db): Promise<Tuple[]> {
  return db
    .transaction()
    .setIsolationLevel('repeatable read')
    .setAccessMode('read only')
    .execute(async (trx) => {
      const [tenantMembers, workspaces, workspaceMembers, groups, groupMembers, apiKeys] = await Promise.all([
        trx
          .selectFrom('tenant_members')
          .select(['tenant_id', 'user_id', 'role', 'expires_at'])
          .where(unexpired('expires_at'))
          .orderBy('tenant_id')
          .orderBy('user_id')
          .execute(),
        // A trashed workspace implies nothing: its rows and grants wait in PostgreSQL for a restore.
        trx.selectFrom('workspaces').select(['id', 'tenant_id', 'parent_id']).where('deleted_at', 'is', null).orderBy('id').execute(),
        trx
          .selectFrom('workspace_members')
          .select(['workspace_id', 'user_id', 'group_id', 'role', 'expires_at'])
          .where('workspace_id', 'not in', (eb) => eb.selectFrom('workspaces').select('id').where('deleted_at', 'is not', null))
          .where(unexpired('expires_at'))
          .orderBy('workspace_id')
          .execute(),
        trx.selectFrom('groups').select(['id', 'tenant_id']).orderBy('id').execute(),
        trx
          .selectFrom('group_members')
          .select(['group_id', 'user_id', 'role', 'expires_at'])
          .where(unexpired('expires_at'))
          .orderBy('group_id')
          .orderBy('user_id')
          .execute(),
        trx.selectFrom('api_keys').select(['id', 'tenant_id', 'owner_user_id']).orderBy('id').execute(),
      ]);
      const tuples: Tuple[] = [
        ...tenantMembers.map((m) => tenantMemberTuple(m.tenant_id, m.user_id, m.role, m.expires_at)),
        ...workspaces.flatMap((w) => workspaceStructure({ tenantId: w.tenant_id, workspaceId: w.id, parentId: w.parent_id })),
        ...workspaceMembers.flatMap((m) => {
          if (m.user_id !== null) return [workspaceMemberTuple(m.workspace_id, { type: 'user', id: m.user_id }, m.role, m.expires_at)];
          if (m.group_id !== null) return [workspaceMemberTuple(m.workspace_id, { type: 'group', id: m.group_id }, m.role, m.expires_at)];
          return [];
        }),
        ...groups.map((g) => groupTenantTuple(g.id, g.tenant_id)),
        ...groupMembers.map((m) => groupMemberTuple(m.group_id, m.user_id, m.role, m.expires_at)),
        // Revoked keys keep their relationships (only ApiKeyDeleted removes them), so every row counts.
        ...apiKeys.flatMap((k) => apiKeyTuples({ apiKeyId: k.id, tenantId: k.tenant_id, ownerUserId: k.owner_user_id })),
      ];
      return [...new Map(tuples.map((t) => [tupleKey(t), t])).values()];
    });
}
