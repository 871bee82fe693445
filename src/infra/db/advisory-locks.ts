/**
 * Every PostgreSQL advisory lock key the service takes, in one place so no two purposes share one.
 * Any constants work as long as every process of a deployment uses the same.
 */
export const ADVISORY_LOCKS = {
  /** Session lock while migrations run: concurrent starts wait, then find nothing to do. */
  migrations: 4_201_190_001,
  /** Transaction lock from the outbox append to commit: seq order is then commit order. */
  outboxAppend: 4_201_190_002,
  /** Session lock held by the single outbox relay leader, on its own connection. */
  outboxRelay: 4_201_190_003,
  /** Transaction lock around the start-up bootstrap, so concurrent starts create one admin. */
  bootstrap: 4_201_190_004,
  /**
   * Writes to SpiceDB: the relay holds it shared around each batch, a reconcile exclusively for its
   * whole diff, so no event lands between the snapshot a reconcile compares and its writes.
   */
  spicedbWrites: 4_201_190_005,
  /**
   * Class of the two-key transaction locks `(workspaceTree, hashtext(tenant_id))`, one per tenant's
   * tree (the two-key space is apart from the keys above): held shared by every workspace insert,
   * exclusively by a change of parent, in the triggers of migrations/0005_workspace_ancestors.sql.
   */
  workspaceTree: 4_201_190,
  /** Class of the two-key transaction locks `(auditDenials, hashtext(user_id))`: one principal's DENIED entries are counted and written one at a time. */
  auditDenials: 4_201_191,
} as const;
