/**
 * Many users, tenant memberships, groups and group memberships in a few statements each
 * (`INSERT … SELECT FROM unnest(…)`), the way bench/seed.ts inserts the tree: for issue 21's
 * mutations (users to add to a group) and people-at-scale phase. With `outbox`, each membership also
 * gets its outbox event in the same statement's transaction, for a running relay to apply;
 * without, the service's start-up reconciles SpiceDB with the rows.
 */
import type pg from 'pg';
import { ADVISORY_LOCKS } from '../src/infra/db/advisory-locks.js';
import { outboxRow } from '../src/outbox/outbox.repository.js';
import { newId } from '../src/shared/ids.js';
import { nameKey } from '../src/shared/names.js';
import { userKeys } from '../src/users/user-keys.js';

export interface SeededUser {
  id: string;
  username: string;
}

/** `count` users named `${prefix}-00001` … with a display name, each a member of the tenant. */
export async function insertTenantUsers(pool: pg.Pool, tenantId: string, prefix: string, count: number, options: { outbox?: boolean } = {}): Promise<SeededUser[]> {
  const users = Array.from({ length: count }, (_, i) => ({ id: newId(), username: `${prefix}-${String(i + 1).padStart(5, '0')}` }));
  const names = users.map((u, i) => `${['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara'][i % 5]} ${u.username}`);
  const keys = users.map((u, i) => userKeys({ username: u.username, name: names[i] ?? null, email: `${u.username}@bench.local` }));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO users (id, issuer, subject, username, name, email, username_key, name_key, email_key)
       SELECT t.id, 'https://bench.local', t.username, t.username, t.name, t.username || '@bench.local', t.username_key, t.name_key, t.email_key
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, username, name, username_key, name_key, email_key)`,
      [users.map((u) => u.id), users.map((u) => u.username), names, keys.map((k) => k.username_key), keys.map((k) => k.name_key), keys.map((k) => k.email_key)],
    );
    await client.query(`INSERT INTO tenant_members (tenant_id, user_id, role) SELECT $1, id, 'member' FROM unnest($2::text[]) AS t(id)`, [tenantId, users.map((u) => u.id)]);
    if (options.outbox) await appendRows(client, users.map((u) => outboxRow({ type: 'TenantMemberAdded', tenantId, userId: u.id, role: 'member' })));
    await client.query('COMMIT');
    return users;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** `count` groups of the tenant named `${prefix}-001` …; rows only (the start-up reconcile writes their tenant relationships). */
export async function insertGroups(pool: pg.Pool, tenantId: string, prefix: string, count: number): Promise<{ id: string; name: string }[]> {
  const groups = Array.from({ length: count }, (_, i) => ({ id: newId(), name: `${prefix}-${String(i + 1).padStart(3, '0')}` }));
  await pool.query(
    `INSERT INTO groups (id, tenant_id, name, name_key) SELECT t.id, $1, t.name, t.name_key FROM unnest($2::text[], $3::text[], $4::text[]) AS t(id, name, name_key)`,
    [tenantId, groups.map((g) => g.id), groups.map((g) => g.name), groups.map((g) => nameKey(g.name))],
  );
  return groups;
}

/** Group memberships, `member` role, rows only. */
export async function insertGroupMembers(pool: pg.Pool, pairs: readonly { groupId: string; userId: string }[]): Promise<void> {
  await pool.query(`INSERT INTO group_members (group_id, user_id, role) SELECT g, u, 'member' FROM unnest($1::text[], $2::text[]) AS t(g, u)`, [
    pairs.map((p) => p.groupId),
    pairs.map((p) => p.userId),
  ]);
}

async function appendRows(client: pg.PoolClient, rows: ReturnType<typeof outboxRow>[]): Promise<void> {
  // The append lock, as every writer takes it (outbox.repository.ts): seqs commit in order.
  await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCKS.outboxAppend]);
  await client.query(
    `INSERT INTO outbox (tenant_id, aggregate_type, aggregate_id, event_type, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])`,
    [rows.map((r) => r.tenant_id), rows.map((r) => r.aggregate_type), rows.map((r) => r.aggregate_id), rows.map((r) => r.event_type), rows.map((r) => r.payload)],
  );
}
