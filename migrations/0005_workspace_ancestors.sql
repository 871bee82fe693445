-- Every workspace's ancestors, itself included (distance 0): one row per (ancestor, workspace) pair.
-- A subtree in list order is then one index range, so a caller who views some subtrees of a tenant
-- pages them at a cost that does not grow with their size (docs/architecture.md, "Listings").
-- The triggers below keep it true for every writer (the service, the bootstrap, seeds, repairs by
-- hand): they are the one place where a workspace's ancestry is computed.
CREATE TABLE workspace_ancestors (
  ancestor_id  text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  -- The workspace's name_key, copied here so that one index range is a subtree in list order.
  name_key     text COLLATE "C" NOT NULL,
  -- Levels from the ancestor down to the workspace.
  distance     integer NOT NULL CHECK (distance >= 0),
  PRIMARY KEY (workspace_id, ancestor_id)
);

-- Creates read their parent's ancestors under this tenant's tree lock held shared; a move (a new
-- parent_id) holds it exclusively while it rewrites the subtree's rows. So a create never copies
-- ancestors a concurrent move is replacing, and a move never misses a child created meanwhile.
-- Key: (4201190, hashtext(tenant_id)), ADVISORY_LOCKS.workspaceTree in src/infra/db/advisory-locks.ts.
CREATE FUNCTION workspace_ancestry_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(4201190, hashtext(NEW.tenant_id));
  INSERT INTO workspace_ancestors (ancestor_id, workspace_id, name_key, distance)
    SELECT NEW.id, NEW.id, NEW.name_key, 0
    UNION ALL
    SELECT a.ancestor_id, NEW.id, NEW.name_key, a.distance + 1 FROM workspace_ancestors a WHERE a.workspace_id = NEW.parent_id;
  RETURN NULL;
END $$;

CREATE FUNCTION workspace_ancestry_rename() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspace_ancestors SET name_key = NEW.name_key WHERE workspace_id = NEW.id;
  RETURN NULL;
END $$;

-- A new parent: the subtree keeps the rows within it; the rows from above it are replaced by the
-- new parent's ancestors. A parent inside the subtree would make a cycle and is refused.
CREATE FUNCTION workspace_ancestry_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(4201190, hashtext(NEW.tenant_id));
  IF EXISTS (SELECT 1 FROM workspace_ancestors WHERE workspace_id = NEW.parent_id AND ancestor_id = NEW.id) THEN
    RAISE EXCEPTION 'workspace % cannot move under its own descendant %', NEW.id, NEW.parent_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'workspaces_no_cycle';
  END IF;
  DELETE FROM workspace_ancestors above
   USING workspace_ancestors inside
   WHERE inside.ancestor_id = NEW.id AND above.workspace_id = inside.workspace_id AND above.distance > inside.distance;
  INSERT INTO workspace_ancestors (ancestor_id, workspace_id, name_key, distance)
    SELECT p.ancestor_id, inside.workspace_id, inside.name_key, inside.distance + 1 + p.distance
      FROM workspace_ancestors inside JOIN workspace_ancestors p ON p.workspace_id = NEW.parent_id
     WHERE inside.ancestor_id = NEW.id;
  RETURN NULL;
END $$;

-- Triggers first: creating them locks out concurrent writers of workspaces until this migration
-- commits, so the backfill below sees every row and none is written without its ancestry.
CREATE TRIGGER workspace_ancestry_insert AFTER INSERT ON workspaces
  FOR EACH ROW EXECUTE FUNCTION workspace_ancestry_insert();
CREATE TRIGGER workspace_ancestry_rename AFTER UPDATE OF name_key ON workspaces
  FOR EACH ROW WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key) EXECUTE FUNCTION workspace_ancestry_rename();
CREATE TRIGGER workspace_ancestry_move AFTER UPDATE OF parent_id ON workspaces
  FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id) EXECUTE FUNCTION workspace_ancestry_move();

INSERT INTO workspace_ancestors (ancestor_id, workspace_id, name_key, distance)
WITH RECURSIVE chain AS (
  SELECT id AS workspace_id, id AS ancestor_id, parent_id, name_key, 0 AS distance FROM workspaces
  UNION ALL
  SELECT c.workspace_id, p.id, p.parent_id, c.name_key, c.distance + 1 FROM chain c JOIN workspaces p ON p.id = c.parent_id
)
SELECT ancestor_id, workspace_id, name_key, distance FROM chain;

-- A subtree in list order (name_key, id): what a caller's listing reads, one range per grant.
CREATE INDEX workspace_ancestors_subtree_order_idx ON workspace_ancestors (ancestor_id, name_key, workspace_id);

-- viewer.apiKeys lists a user's own keys, newest first, across their tenants.
CREATE INDEX api_keys_owner_idx ON api_keys (owner_user_id, id);
