import { sql } from 'kysely';
import type { Executor } from '../infra/db/database.js';
import { NEXT_EXPIRY, type FreshnessState } from '../infra/db/read-routing.js';
import { toApiKey } from './api-key.repository.js';
import type { ApiKey } from './api-key.js';
import { unexpired } from '../infra/db/unexpired.js';

// Recording every use would turn each authenticated read into a write; a minute's precision is enough
// to tell which keys are in use.
const TOUCH_INTERVAL = '1 minute';

/** Everything authentication needs to accept or refuse a key. Time-based facts use the database clock. */
export interface ApiKeyCandidate {
  apiKey: ApiKey;
  secretSha256: Buffer;
  ownerUsername: string;
  expired: boolean;
  /** Keys act inside their tenant only, so an owner removed from it takes their keys' access along. */
  ownerIsTenantMember: boolean;
  /** Whether last_used_at is old enough for the throttled touch to write it. */
  touchDue: boolean;
  /** The request's freshness (read-routing.ts), read in the same statement: one round trip per request. */
  freshness: FreshnessState;
}

/**
 * The keys sharing a lookup prefix (almost always zero or one), joined with their owner, the owner's
 * membership of the key's tenant and the freshness token every check of the request will use: one
 * round trip per API-key request, and a revocation counts from the very next request.
 */
export async function findApiKeyCandidates(db: Executor, prefix: string): Promise<ApiKeyCandidate[]> {
  const rows = await db
    .selectFrom('api_keys as k')
    .innerJoin('users as u', 'u.id', 'k.owner_user_id')
    // One row by construction (CHECK singleton), so the join multiplies nothing.
    .crossJoin('authz_state as s')
    .selectAll('k')
    .select((eb) => [
      's.zed_token as authz_zed_token',
      sql<string>`s.applied_seq::text`.as('authz_applied_seq'),
      sql<string>`s.outside_writes::text`.as('authz_outside_writes'),
      sql<string>`pg_current_wal_lsn()::text`.as('wal_lsn'),
      NEXT_EXPIRY.as('next_expiry'),
      'u.username as owner_username',
      sql<boolean>`k.expires_at <= now()`.as('expired'),
      eb
        .exists(
          eb
            .selectFrom('tenant_members as m')
            .select(sql`1`.as('one'))
            .whereRef('m.tenant_id', '=', 'k.tenant_id')
            .whereRef('m.user_id', '=', 'k.owner_user_id')
            .where(unexpired('m.expires_at')),
        )
        // PostgreSQL returns a real boolean; SqlBool also allows MySQL's 0/1.
        .$castTo<boolean>()
        .as('owner_is_tenant_member'),
      sql<boolean>`k.last_used_at IS NULL OR k.last_used_at < now() - ${TOUCH_INTERVAL}::interval`.as('touch_due'),
    ])
    .where('k.prefix', '=', prefix)
    .execute();
  return rows.map((row) => ({
    apiKey: toApiKey(row),
    secretSha256: row.secret_sha256,
    ownerUsername: row.owner_username,
    expired: row.expired,
    ownerIsTenantMember: row.owner_is_tenant_member,
    touchDue: row.touch_due,
    freshness: {
      zedToken: row.authz_zed_token,
      appliedSeq: row.authz_applied_seq,
      outsideWrites: row.authz_outside_writes,
      lsn: row.wal_lsn,
      nextExpiry: row.next_expiry,
    },
  }));
}

/** Sets last_used_at unless it was set within the last minute; true when it wrote. */
export async function touchApiKeyLastUsed(db: Executor, id: string): Promise<boolean> {
  const result = await db
    .updateTable('api_keys')
    .set({ last_used_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - ${TOUCH_INTERVAL}::interval`)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}
