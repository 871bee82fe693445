import type { ColumnType, Selectable } from 'kysely';
import type { WorkspaceRole } from '../events/roles.js';

export interface WorkspaceTable {
  id: string;
  tenant_id: string;
  parent_id: string | null;
  name: string;
  /** nameKey(name): what sibling uniqueness, nameContains and list order compare. */
  name_key: string;
  depth: number;
  created_at: ColumnType<Date, never, never>;
  updated_at: ColumnType<Date, never, Date | string>;
  /** Set while the workspace is in the trash (migrations/0008_workspace_trash.sql); every read of live workspaces filters on it. */
  deleted_at: ColumnType<Date | null, never, Date | string | null>;
  deleted_by: ColumnType<string | null, never, string | null>;
}
export type WorkspaceRow = Selectable<WorkspaceTable>;

/**
 * One row per (ancestor, workspace) pair, the workspace itself included at distance 0. Written only
 * by the triggers of migrations/0005_workspace_ancestors.sql, which keep it in step with `parent_id`.
 */
export interface WorkspaceAncestorTable {
  ancestor_id: string;
  workspace_id: string;
  /** The workspace's name_key, so that one index range is a subtree in list order. */
  name_key: string;
  distance: number;
}

/** A direct grant: one role per subject (a user or a group, never both) and workspace. */
export interface WorkspaceMemberTable {
  workspace_id: string;
  user_id: string | null;
  group_id: string | null;
  role: WorkspaceRole;
  /** Restarted when an expired grant is granted again before the sweeper removed it. */
  created_at: ColumnType<Date, never, Date>;
  /** When the grant ends (migration 0012); null: until revoked. An expired row counts as absent until swept. */
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}
