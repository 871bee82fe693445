-- Moves (moveWorkspace): a new parent_id rewrites the subtree's ancestry (0005) and, from here on,
-- its depths, in the same trigger, so every writer keeps `depth` true. The writer sets the moved
-- workspace's own depth (its new parent's plus one, checked here); its descendants follow by the
-- distance the ancestry table already holds for them, which a move does not change.
CREATE OR REPLACE FUNCTION workspace_ancestry_move() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  parent_depth integer;
BEGIN
  PERFORM pg_advisory_xact_lock(4201190, hashtext(NEW.tenant_id));
  IF EXISTS (SELECT 1 FROM workspace_ancestors WHERE workspace_id = NEW.parent_id AND ancestor_id = NEW.id) THEN
    RAISE EXCEPTION 'workspace % cannot move under its own descendant %', NEW.id, NEW.parent_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'workspaces_no_cycle';
  END IF;
  SELECT depth INTO parent_depth FROM workspaces WHERE id = NEW.parent_id;
  IF NEW.depth IS DISTINCT FROM parent_depth + 1 THEN
    RAISE EXCEPTION 'workspace % at depth % under a parent at depth %', NEW.id, NEW.depth, parent_depth
      USING ERRCODE = 'check_violation', CONSTRAINT = 'workspaces_depth';
  END IF;
  DELETE FROM workspace_ancestors above
   USING workspace_ancestors inside
   WHERE inside.ancestor_id = NEW.id AND above.workspace_id = inside.workspace_id AND above.distance > inside.distance;
  INSERT INTO workspace_ancestors (ancestor_id, workspace_id, name_key, distance)
    SELECT p.ancestor_id, inside.workspace_id, inside.name_key, inside.distance + 1 + p.distance
      FROM workspace_ancestors inside JOIN workspace_ancestors p ON p.workspace_id = NEW.parent_id
     WHERE inside.ancestor_id = NEW.id;
  UPDATE workspaces w SET depth = NEW.depth + inside.distance
    FROM workspace_ancestors inside
   WHERE inside.ancestor_id = NEW.id AND inside.distance > 0 AND w.id = inside.workspace_id;
  RETURN NULL;
END $$;

-- A subtree's height (the deepest distance below a workspace, which bounds where it may move) and
-- its size to a depth (descendants' totalCount with maxDepth): one index range each.
CREATE INDEX workspace_ancestors_distance_idx ON workspace_ancestors (ancestor_id, distance);
