-- Deleted workspaces go to a trash (issue 18): the row and its grants stay, restorable for
-- WORKSPACE_RETENTION_DAYS; their relationships leave SpiceDB. Every read of live workspaces says
-- `deleted_at IS NULL`; the tree's rule (no live child under a trashed parent) is kept by the
-- trash and restore workflows (src/lifecycle/workspace-trash.ts).
ALTER TABLE workspaces
  ADD COLUMN deleted_at timestamptz,
  ADD COLUMN deleted_by text REFERENCES users (id) ON DELETE SET NULL;

-- A trashed workspace's name is free for a new sibling at once.
DROP INDEX workspaces_sibling_name_key;
CREATE UNIQUE INDEX workspaces_sibling_name_key ON workspaces (parent_id, name_key) WHERE parent_id IS NOT NULL AND deleted_at IS NULL;

-- The trash of a tenant, newest first (Tenant.deletedWorkspaces, the retention purge), and the
-- probe that keeps trashed workspaces out of the subtree ranges of workspace_ancestors.
CREATE INDEX workspaces_trash_idx ON workspaces (tenant_id, deleted_at DESC, id DESC) WHERE deleted_at IS NOT NULL;
CREATE INDEX workspaces_trashed_ids ON workspaces (id) WHERE deleted_at IS NOT NULL;
CREATE INDEX workspaces_trash_age_idx ON workspaces (deleted_at) WHERE deleted_at IS NOT NULL;
