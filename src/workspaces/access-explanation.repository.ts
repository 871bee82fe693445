import { sql } from 'kysely';
import type { WorkspaceRole, TenantRole } from '../events/roles.js';
import { toGroup } from '../groups/group.repository.js';
import type { Group } from '../groups/group.js';
import type { Executor } from '../infra/db/database.js';
import { PREPARED } from '../infra/db/prepared-statements.js';
import { StoredWorkspace, type RawTimestamp } from './stored-workspace.js';
import type { Workspace } from './workspace.js';
import { unexpired } from '../infra/db/unexpired.js';

/** One grant that gives a user a permission on a workspace: on it or an ancestor, to them or to a group of theirs. */
export interface GrantPath {
  role: WorkspaceRole;
  grantedOn: Workspace;
  /** 0 on the workspace itself, 1 on its parent, … */
  distance: number;
  viaGroup: Group | null;
}

export interface UserAccess {
  /** The user's role in the workspace's tenant; null when they are not a member. */
  tenantRole: TenantRole | null;
  /** Nearest first; on one workspace the direct grant before those through groups (by group name, then id). */
  grants: GrantPath[];
}

interface Row {
  tenant_role: TenantRole | null;
  distance: number | null;
  role: WorkspaceRole | null;
  w_id: string | null;
  w_tenant_id: string;
  w_parent_id: string | null;
  w_name: string;
  w_depth: number;
  w_created_at: RawTimestamp;
  w_updated_at: RawTimestamp;
  g_id: string | null;
  g_tenant_id: string;
  g_name: string;
  g_created_at: Date;
  g_updated_at: Date;
}

/**
 * Every grant on the workspace's chain (itself and each ancestor, workspace_ancestors) that gives
 * the user one of `roles`, directly or through a group they belong to, with the workspace it is on
 * and the group, and the user's tenant role: one statement, whatever the depth.
 */
export async function findUserAccess(db: Executor, workspace: Pick<Workspace, 'id' | 'tenantId'>, userId: string, roles: readonly WorkspaceRole[]): Promise<UserAccess> {
  const { rows } = await sql<Row>`${sql.raw(PREPARED)}
    WITH who AS (SELECT (SELECT role FROM tenant_members WHERE tenant_id = ${workspace.tenantId} AND user_id = ${userId} AND ${unexpired('expires_at')}) AS tenant_role)
    SELECT who.tenant_role, p.distance, p.role, p.w_id, p.w_tenant_id, p.w_parent_id, p.w_name, p.w_depth, p.w_created_at, p.w_updated_at,
           p.g_id, p.g_tenant_id, p.g_name, p.g_created_at, p.g_updated_at
      FROM who LEFT JOIN LATERAL (
      SELECT a.distance, m.role,
             w.id AS w_id, w.tenant_id AS w_tenant_id, w.parent_id AS w_parent_id, w.name AS w_name, w.depth AS w_depth,
             w.created_at AS w_created_at, w.updated_at AS w_updated_at,
             g.id AS g_id, g.tenant_id AS g_tenant_id, g.name AS g_name, g.created_at AS g_created_at, g.updated_at AS g_updated_at,
             g.name_key AS g_name_key
        FROM workspace_ancestors a
        JOIN workspaces w ON w.id = a.ancestor_id
        JOIN workspace_members m ON m.workspace_id = a.ancestor_id
        LEFT JOIN groups g ON g.id = m.group_id
       WHERE a.workspace_id = ${workspace.id} AND m.role = ANY(${[...roles]}::text[]) AND w.deleted_at IS NULL AND ${unexpired('m.expires_at')}
         AND (m.user_id = ${userId} OR m.group_id IN (SELECT group_id FROM group_members WHERE user_id = ${userId} AND ${unexpired('expires_at')}))
    ) p ON true
    ORDER BY p.distance, p.g_id IS NOT NULL, p.g_name_key, p.g_id`.execute(db);
  const grants: GrantPath[] = [];
  for (const r of rows) {
    if (r.w_id === null || r.role === null || r.distance === null) continue;
    grants.push({
      role: r.role,
      distance: r.distance,
      grantedOn: new StoredWorkspace(r.w_id, r.w_tenant_id, r.w_parent_id, r.w_name, r.w_depth, r.w_created_at, r.w_updated_at),
      viaGroup: r.g_id === null ? null : toGroup({ id: r.g_id, tenant_id: r.g_tenant_id, name: r.g_name, created_at: r.g_created_at, updated_at: r.g_updated_at }),
    });
  }
  return { tenantRole: rows[0]?.tenant_role ?? null, grants };
}
