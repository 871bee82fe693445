import { sql } from 'kysely';
import type { WorkspaceRole } from '../events/roles.js';
import type { Executor } from '../infra/db/database.js';
import { PREPARED } from '../infra/db/prepared-statements.js';
import type { PageRequest, Sorted } from '../shared/pagination.js';
import type { User } from '../users/user.js';
import type { Workspace } from './workspace.js';
import { unexpired } from '../infra/db/unexpired.js';

export interface HolderQuery {
  workspace: Pick<Workspace, 'id' | 'tenantId'>;
  /** Roles whose grants, on the workspace or an ancestor, give the permission. */
  roles: readonly WorkspaceRole[];
  /** Every tenant member holds it (create_child on the root), not only the tenant's admins. */
  allTenantMembers: boolean;
}

interface Row {
  id: string;
  username: string;
  name: string | null;
  email: string | null;
  created_at: Date;
  username_key: string;
}

/**
 * A page, by (username_key, id), of the users who hold a permission on a workspace: those granted one
 * of `roles` on it or an ancestor, the members of groups granted one, and the tenant's admins (or
 * all its members). Each user once: the holders are a set (UNION) joined to users. One statement;
 * it grows with the number of holders (an index probe each), never with the tree, and is never cut
 * short: the page is the first `first + 1` of all of them.
 */
export async function listUsersWithAccess(db: Executor, query: HolderQuery, page: PageRequest): Promise<Sorted<User>[]> {
  const after = page.after ? sql`AND (u.username_key, u.id) > (${page.after.key} COLLATE "C", ${page.after.id})` : sql``;
  const { rows } = await sql<Row>`${sql.raw(PREPARED)}
    WITH chain AS (
      SELECT ancestor_id FROM workspace_ancestors WHERE workspace_id = ${query.workspace.id}
    ), grants AS (
      SELECT m.user_id, m.group_id FROM workspace_members m
       WHERE m.workspace_id IN (SELECT ancestor_id FROM chain) AND m.role = ANY(${[...query.roles]}::text[]) AND ${unexpired('m.expires_at')}
    ), holders AS (
      SELECT user_id FROM grants WHERE user_id IS NOT NULL
      UNION
      SELECT gm.user_id FROM grants JOIN group_members gm ON gm.group_id = grants.group_id WHERE ${unexpired('gm.expires_at')}
      UNION
      SELECT t.user_id FROM tenant_members t WHERE t.tenant_id = ${query.workspace.tenantId} AND (t.role = 'admin' OR ${query.allTenantMembers}::boolean) AND ${unexpired('t.expires_at')}
    )
    SELECT u.id, u.username, u.name, u.email, u.created_at, u.username_key
      FROM users u
     WHERE u.id IN (SELECT user_id FROM holders) ${after}
     ORDER BY u.username_key, u.id
     LIMIT ${page.first + 1}`.execute(db);
  return rows.map((r) => ({ node: { id: r.id, username: r.username, name: r.name, email: r.email, createdAt: r.created_at }, sortKey: r.username_key }));
}
