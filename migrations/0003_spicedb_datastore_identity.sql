-- Which SpiceDB datastore authz_state.zed_token and the applied outbox events belong to. The
-- embedded SpiceDB's PostgreSQL datastore keeps its relationships across restarts; when its
-- identity (SpiceDB's metadata.unique_id) differs from this one, the start-up reconciles it with
-- PostgreSQL (src/relationships/reconcile.ts) before serving.
ALTER TABLE authz_state ADD COLUMN spicedb_datastore_id text;
