import type { Db } from '../infra/db/database.js';

/**
 * The ZedToken every permission check must be at least as fresh as: the revision of the last
 * outbox batch applied to SpiceDB. It lives in PostgreSQL so every process sees the same one;
 * a mutation returns only after its events are applied, so the caller's next request, to any
 * process, reads a token that covers its own write.
 */
export async function readAuthzToken(db: Db): Promise<string | null> {
  const row = await db.selectFrom('authz_state').select('zed_token').executeTakeFirst();
  return row?.zed_token ?? null;
}
