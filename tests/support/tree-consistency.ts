import type pg from 'pg';

/**
 * What is wrong with the stored tree, recomputed from parent_id alone: ancestry rows missing or
 * extra (migrations/0005), depths that are not the chain's length, cycles (a chain that never
 * reaches a root), tree keys that are not the chain's names and ids, and subtree sizes that are not
 * the count of live descendants (migrations/0010). Empty when the tree is consistent.
 */
export async function treeProblems(server: { database: { pool: pg.Pool } }): Promise<string[]> {
  const { rows } = await server.database.pool.query<{ problem: string }>(`
    WITH RECURSIVE chain AS (
      SELECT id AS workspace_id, id AS ancestor_id, parent_id, 0 AS distance FROM workspaces
      UNION ALL
      SELECT c.workspace_id, p.id, p.parent_id, c.distance + 1 FROM chain c JOIN workspaces p ON p.id = c.parent_id WHERE c.distance < 100
    ), expected AS (SELECT workspace_id, ancestor_id, distance FROM chain)
    SELECT 'missing ancestry ' || e.workspace_id || ' <- ' || e.ancestor_id AS problem
      FROM expected e LEFT JOIN workspace_ancestors a USING (workspace_id, ancestor_id, distance) WHERE a.workspace_id IS NULL
    UNION ALL
    SELECT 'extra ancestry ' || a.workspace_id || ' <- ' || a.ancestor_id
      FROM workspace_ancestors a LEFT JOIN expected e USING (workspace_id, ancestor_id, distance) WHERE e.workspace_id IS NULL
    UNION ALL
    SELECT 'depth of ' || w.id || ' is ' || w.depth || ', its chain ' || d.depth
      FROM workspaces w JOIN (SELECT workspace_id, max(distance) AS depth FROM chain GROUP BY workspace_id) d ON d.workspace_id = w.id
     WHERE w.depth <> d.depth
    UNION ALL
    SELECT 'cycle through ' || workspace_id FROM chain WHERE distance >= 100
    UNION ALL
    SELECT 'name key of ' || a.workspace_id || ' is stale' FROM workspace_ancestors a JOIN workspaces w ON w.id = a.workspace_id WHERE a.name_key <> w.name_key
    UNION ALL
    SELECT 'tree key of ' || w.id || ' is not its chain'
      FROM workspaces w
     WHERE w.tree_key IS DISTINCT FROM (
       SELECT string_agg(E'\\x01' || u.name_key || E'\\x02' || u.id, '' ORDER BY c.distance DESC) COLLATE "C"
         FROM chain c JOIN workspaces u ON u.id = c.ancestor_id WHERE c.workspace_id = w.id)
    UNION ALL
    SELECT 'size of ' || w.id || ' is ' || coalesce(z.live_descendants::text, 'missing') || ', it has ' || (
             SELECT count(*) FROM chain c JOIN workspaces d ON d.id = c.workspace_id WHERE c.ancestor_id = w.id AND c.distance > 0 AND d.deleted_at IS NULL)
      FROM workspaces w LEFT JOIN workspace_sizes z ON z.workspace_id = w.id
     WHERE z.live_descendants IS DISTINCT FROM (
             SELECT count(*)::int FROM chain c JOIN workspaces d ON d.id = c.workspace_id WHERE c.ancestor_id = w.id AND c.distance > 0 AND d.deleted_at IS NULL)`);
  return rows.map((r) => r.problem);
}
