import type { CodeMigration } from '../src/infra/db/migrator.js';
import { userKeys } from '../src/users/user-keys.js';

const BATCH = 1000;

/**
 * Gives every user the keys that searching and ordering people compare (src/users/user-keys.ts):
 * `username_key`, `name_key` and `email_key`, folded like names (src/shared/name-key.ts) because PostgreSQL's
 * lower() follows the server's locale. Provisioning writes them from now on; this fills existing
 * rows in batches. Stop older versions before it runs: they would insert users without keys.
 */
export const userKeysMigration: CodeMigration = {
  name: '0004_user_keys',
  async up(client) {
    await client.query(`
      ALTER TABLE users
        ADD COLUMN username_key text COLLATE "C",
        ADD COLUMN name_key text COLLATE "C",
        ADD COLUMN email_key text COLLATE "C"`);
    let after = '';
    for (;;) {
      const { rows } = await client.query<{ id: string; username: string; name: string | null; email: string | null }>(
        `SELECT id, username, name, email FROM users WHERE id > $1 ORDER BY id LIMIT ${BATCH}`,
        [after],
      );
      if (rows.length === 0) break;
      const keys = rows.map(userKeys);
      await client.query(
        `UPDATE users u SET username_key = v.username_key, name_key = v.name_key, email_key = v.email_key
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS v (id, username_key, name_key, email_key) WHERE u.id = v.id`,
        [rows.map((r) => r.id), keys.map((k) => k.username_key), keys.map((k) => k.name_key), keys.map((k) => k.email_key)],
      );
      after = rows[rows.length - 1]?.id ?? after;
    }
    await client.query(`
      ALTER TABLE users ALTER COLUMN username_key SET NOT NULL;
      -- Member lists and users() are ordered by (username_key, id); addTenantMember finds people by email.
      CREATE INDEX users_order_idx ON users (username_key, id);
      CREATE INDEX users_email_key_idx ON users (email_key) WHERE email_key IS NOT NULL;
    `);
  },
};
