-- Tree order as an index order, and subtree sizes kept, so that a page of `descendants` is one
-- index range and its `totalCount` one row (issue 17; docs/architecture.md, "Moves and navigation").
--
-- tree_key: each node's chain from the root, one component per level, `\x01 name_key \x02 id`.
-- Names hold no control characters (src/shared/names.ts), so \x01 and \x02 sort below every
-- character of a name key, and the byte order of two keys (COLLATE "C") is pre-order with siblings
-- by (name_key, id): an ancestor's key is a prefix of its descendants' keys, a shorter name sorts
-- before a longer one it is a prefix of (\x02 is below any character), equal names compare their
-- ids. A subtree below X is the range (X.tree_key || \x01, X.tree_key || \x02).
--
-- A chain of 50 names of up to 255 characters passes PostgreSQL's btree entry limit (~2.7 kB), so
-- the index holds the first 512 characters: pages read `ORDER BY left(tree_key, 512), tree_key`,
-- which is the same order, sorted beyond the index only among keys that share 512 characters.
ALTER TABLE workspaces ADD COLUMN tree_key text COLLATE "C";

CREATE FUNCTION workspace_tree_key(parent_key text, name_key text, id text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (coalesce(parent_key, '') || E'\x01' || name_key || E'\x02' || id) COLLATE "C"
  $$;

WITH RECURSIVE chain AS (
  SELECT id, workspace_tree_key(NULL, name_key, id) COLLATE "C" AS key FROM workspaces WHERE parent_id IS NULL
  UNION ALL
  SELECT w.id, workspace_tree_key(c.key, w.name_key, w.id) COLLATE "C" FROM chain c JOIN workspaces w ON w.parent_id = c.id
)
UPDATE workspaces w SET tree_key = chain.key FROM chain WHERE w.id = chain.id;
ALTER TABLE workspaces ALTER COLUMN tree_key SET NOT NULL;

-- Live workspaces only: a trashed subtree is not in the index, so a page never reads through it.
CREATE INDEX workspaces_tree_order_idx ON workspaces (left(tree_key, 512)) WHERE deleted_at IS NULL;

-- How many live descendants each workspace has (itself not counted): `descendants { totalCount }`
-- without maxDepth or nameContains. A table of its own, so that keeping it locks no workspace row:
-- every writer updates the rows of a chain root first (ORDER BY depth), so two writers never wait
-- on each other in opposite orders. Every create in a tenant updates its root's row, so creates of
-- one tenant queue on it from their insert to their commit (docs/architecture.md).
CREATE TABLE workspace_sizes (
  workspace_id     text PRIMARY KEY REFERENCES workspaces (id) ON DELETE CASCADE,
  live_descendants integer NOT NULL DEFAULT 0 CHECK (live_descendants >= 0)
);
INSERT INTO workspace_sizes (workspace_id, live_descendants)
  SELECT w.id, count(d.id)::int
    FROM workspaces w
    LEFT JOIN workspace_ancestors a ON a.ancestor_id = w.id AND a.distance > 0
    LEFT JOIN workspaces d ON d.id = a.workspace_id AND d.deleted_at IS NULL
   GROUP BY w.id;

-- Adds `delta` to the size of every workspace on the chain from the root down to `lowest`.
CREATE FUNCTION workspace_sizes_add(lowest text, delta integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF lowest IS NULL OR delta = 0 THEN RETURN; END IF;
  PERFORM 1 FROM workspace_sizes s JOIN workspace_ancestors a ON a.ancestor_id = s.workspace_id
   WHERE a.workspace_id = lowest ORDER BY a.distance DESC FOR NO KEY UPDATE OF s;
  UPDATE workspace_sizes s SET live_descendants = s.live_descendants + delta
    FROM workspace_ancestors a WHERE a.workspace_id = lowest AND s.workspace_id = a.ancestor_id;
END $$;

CREATE FUNCTION workspace_tree_key_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- A missing parent leaves the foreign key to say so.
  NEW.tree_key := workspace_tree_key((SELECT tree_key FROM workspaces WHERE id = NEW.parent_id), NEW.name_key, NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER workspace_tree_key_insert BEFORE INSERT ON workspaces
  FOR EACH ROW EXECUTE FUNCTION workspace_tree_key_insert();

-- Per statement: the bench's seed inserts a level of thousands of workspaces at once, and each
-- chain is updated once per statement with the sum, not once per row.
CREATE FUNCTION workspace_sizes_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO workspace_sizes (workspace_id) SELECT id FROM inserted;
  PERFORM 1 FROM workspace_sizes s
   WHERE s.workspace_id IN (SELECT a.ancestor_id FROM inserted i JOIN workspace_ancestors a ON a.workspace_id = i.parent_id WHERE i.deleted_at IS NULL)
   ORDER BY (SELECT depth FROM workspaces WHERE id = s.workspace_id), s.workspace_id FOR NO KEY UPDATE OF s;
  UPDATE workspace_sizes s SET live_descendants = s.live_descendants + c.n
    FROM (SELECT a.ancestor_id, count(*)::int AS n FROM inserted i JOIN workspace_ancestors a ON a.workspace_id = i.parent_id
           WHERE i.deleted_at IS NULL GROUP BY a.ancestor_id) c
   WHERE s.workspace_id = c.ancestor_id;
  RETURN NULL;
END $$;
CREATE TRIGGER workspace_sizes_insert AFTER INSERT ON workspaces
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION workspace_sizes_insert();

-- A rename or a move gives the workspace a new key, and its whole subtree (trashed nodes included,
-- for their restore) the new prefix. Every key below must follow, so no create may read a parent's
-- key meanwhile: the tenant's tree lock exclusively, as the service takes it first (a rename, a
-- move, a restore under a new name); creates hold it shared.
CREATE FUNCTION workspace_tree_key_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(4201190, hashtext(NEW.tenant_id));
  NEW.tree_key := workspace_tree_key((SELECT tree_key FROM workspaces WHERE id = NEW.parent_id), NEW.name_key, NEW.id);
  RETURN NEW;
END $$;
CREATE TRIGGER workspace_tree_key_change BEFORE UPDATE OF name_key, parent_id ON workspaces
  FOR EACH ROW WHEN (OLD.name_key IS DISTINCT FROM NEW.name_key OR OLD.parent_id IS DISTINCT FROM NEW.parent_id)
  EXECUTE FUNCTION workspace_tree_key_change();

CREATE FUNCTION workspace_tree_key_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE workspaces d SET tree_key = NEW.tree_key || substr(d.tree_key, length(OLD.tree_key) + 1)
    FROM workspace_ancestors a
   WHERE a.ancestor_id = NEW.id AND a.distance > 0 AND d.id = a.workspace_id;
  RETURN NULL;
END $$;
CREATE TRIGGER workspace_tree_key_subtree AFTER UPDATE OF name_key, parent_id ON workspaces
  FOR EACH ROW WHEN (OLD.tree_key IS DISTINCT FROM NEW.tree_key)
  EXECUTE FUNCTION workspace_tree_key_subtree();

-- Sizes follow a move (the live part of the subtree leaves one chain for the other), a trash and a
-- restore (the trash takes no workspace with live children, so that part is the node itself, but
-- the sum says what it means).
CREATE FUNCTION workspace_sizes_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  moving integer := 1 + (SELECT live_descendants FROM workspace_sizes WHERE workspace_id = NEW.id);
BEGIN
  IF OLD.deleted_at IS NULL THEN PERFORM workspace_sizes_add(OLD.parent_id, -moving); END IF;
  IF NEW.deleted_at IS NULL THEN PERFORM workspace_sizes_add(NEW.parent_id, moving); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER workspace_sizes_change AFTER UPDATE OF parent_id, deleted_at ON workspaces
  FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL))
  EXECUTE FUNCTION workspace_sizes_change();
