import type pg from 'pg';
import type { CodeMigration } from '../src/infra/db/migrator.js';
import type { Logger } from '../src/logger.js';
import { MAX_NAME_LENGTH, nameKey } from '../src/shared/names.js';

/** A table whose names are unique within a scope, and the unique index that says so. */
interface NamedTable {
  table: 'tenants' | 'workspaces' | 'groups' | 'api_keys';
  /** Columns within whose values a name must be unique (none: unique across the table). */
  scope: string[];
  /** The rows the unique index covers. */
  covered: string;
  uniqueIndex: string;
  hasUpdatedAt: boolean;
}

const TABLES: NamedTable[] = [
  { table: 'tenants', scope: [], covered: 'true', uniqueIndex: 'tenants_name_key', hasUpdatedAt: true },
  { table: 'workspaces', scope: ['parent_id'], covered: 'parent_id IS NOT NULL', uniqueIndex: 'workspaces_sibling_name_key', hasUpdatedAt: true },
  { table: 'groups', scope: ['tenant_id'], covered: 'true', uniqueIndex: 'groups_name_key', hasUpdatedAt: true },
  { table: 'api_keys', scope: ['tenant_id', 'owner_user_id'], covered: 'revoked_at IS NULL', uniqueIndex: 'api_keys_name_key', hasUpdatedAt: false },
];
const BATCH = 1000;

/**
 * Moves name uniqueness from PostgreSQL's lower(name), which folds only ASCII under the "C" locale,
 * to `name_key` (src/shared/name-key.ts), computed here because no server function computes it.
 * One transaction: add the column, store every row's NFC name and key, resolve rows whose names
 * now collide, then enforce the key with the old indexes' names (src/infra/db/pg-errors.ts maps them).
 *
 * Collisions ("École" and "école" were siblings): the oldest row (created_at, then id) keeps its
 * name; each later one gets the first free " (n)" suffix and a warning in the log. No row is
 * deleted or hidden, so nothing that referred to one breaks, and the migration cannot fail on data.
 */
export const nameKeysMigration: CodeMigration = {
  name: '0002_name_keys',
  async up(client, logger) {
    for (const t of TABLES) {
      await client.query(`DROP INDEX ${t.uniqueIndex}`);
      await client.query(`ALTER TABLE ${t.table} ADD COLUMN name_key text COLLATE "C"`);
    }
    for (const t of TABLES) {
      const normalised = await backfill(client, t.table);
      if (normalised > 0) logger.info({ event: 'names_normalised', table: t.table, rows: normalised }, 'names normalised to NFC');
      await resolveCollisions(client, t, logger);
      await client.query(`ALTER TABLE ${t.table} ALTER COLUMN name_key SET NOT NULL`);
    }
    await client.query(`
      CREATE UNIQUE INDEX tenants_name_key ON tenants (name_key);
      CREATE UNIQUE INDEX workspaces_sibling_name_key ON workspaces (parent_id, name_key) WHERE parent_id IS NOT NULL;
      CREATE UNIQUE INDEX groups_name_key ON groups (tenant_id, name_key);
      CREATE UNIQUE INDEX api_keys_name_key ON api_keys (tenant_id, owner_user_id, name_key) WHERE revoked_at IS NULL;
      -- Lists are ordered by (name_key, id); the column is COLLATE "C", so the order is the same on every server.
      DROP INDEX tenants_order_idx, workspaces_tenant_order_idx, workspaces_children_order_idx;
      CREATE INDEX tenants_order_idx ON tenants (name_key, id);
      CREATE INDEX workspaces_tenant_order_idx ON workspaces (tenant_id, name_key, id);
      CREATE INDEX workspaces_children_order_idx ON workspaces (parent_id, name_key, id);
    `);
  },
};

/** Stores every row's key (and NFC name) in batches; returns how many names NFC changed. */
async function backfill(client: pg.ClientBase, table: string): Promise<number> {
  let normalised = 0;
  let after = '';
  for (;;) {
    const { rows } = await client.query<{ id: string; name: string }>(`SELECT id, name FROM ${table} WHERE id > $1 ORDER BY id LIMIT ${BATCH}`, [after]);
    if (rows.length === 0) return normalised;
    const names = rows.map((r) => storedNameForm(r.name));
    normalised += rows.filter((r, i) => names[i] !== r.name).length;
    await client.query(
      `UPDATE ${table} t SET name = v.name, name_key = v.key
       FROM unnest($1::text[], $2::text[], $3::text[]) AS v (id, name, key) WHERE t.id = v.id`,
      [rows.map((r) => r.id), names, names.map(nameKey)],
    );
    after = rows[rows.length - 1]?.id ?? after;
  }
}

async function resolveCollisions(client: pg.ClientBase, t: NamedTable, logger: Logger): Promise<void> {
  const { rows: groups } = await client.query<{ scope: string[]; ids: string[]; names: string[] }>(
    `SELECT ARRAY[${t.scope.join(', ')}]::text[] AS scope,
            array_agg(id ORDER BY created_at, id) AS ids, array_agg(name ORDER BY created_at, id) AS names
     FROM ${t.table} WHERE ${t.covered}
     GROUP BY ${t.scope.map((c) => `${c}, `).join('')}name_key HAVING count(*) > 1 ORDER BY min(created_at), min(id)`,
  );
  for (const group of groups) {
    const sameScope = t.scope.map((c, i) => ` AND ${c} = $${i + 1}`).join('');
    const taken = await client.query<{ name_key: string }>(`SELECT name_key FROM ${t.table} WHERE ${t.covered}${sameScope}`, group.scope);
    const takenKeys = new Set(taken.rows.map((r) => r.name_key));
    const [keptId, ...renamedIds] = group.ids;
    for (const [i, id] of renamedIds.entries()) {
      const previousName = group.names[i + 1] ?? '';
      const name = disambiguateName(previousName, takenKeys);
      const key = nameKey(name);
      takenKeys.add(key);
      await client.query(
        `UPDATE ${t.table} SET name = $2, name_key = $3${t.hasUpdatedAt ? ', updated_at = now()' : ''} WHERE id = $1`,
        [id, name, key],
      );
      logger.warn(
        { event: 'name_collision_renamed', table: t.table, id, previousName, name, keptId },
        'renamed a row whose name equals an older one under case-insensitive Unicode comparison',
      );
    }
  }
}

/**
 * A name for a row whose name now equals a sibling's (same key): the name with the smallest " (n)",
 * n ≥ 2, whose key nobody in its scope holds. The name is shortened (by code points) when the
 * suffix would make it longer than a name may be.
 */
export function disambiguateName(name: string, takenKeys: ReadonlySet<string>): string {
  const chars = [...name];
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = `${chars.slice(0, MAX_NAME_LENGTH - suffix.length).join('').trimEnd()}${suffix}`;
    if (!takenKeys.has(nameKey(candidate))) return candidate;
  }
}

/** Existing names become NFC like new ones, unless that would make one longer than a name may be. */
export function storedNameForm(name: string): string {
  const nfc = name.normalize('NFC');
  return [...nfc].length <= MAX_NAME_LENGTH ? nfc : name;
}
