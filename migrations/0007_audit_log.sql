-- The audit log (issue 18): who changed what, and who was refused. Append-only, enforced here.
-- No foreign keys on purpose: entries outlive their tenant, target and actor (kept for AUDIT_RETENTION_DAYS).

CREATE TABLE audit_log (
  id              text PRIMARY KEY,
  occurred_at     timestamptz NOT NULL DEFAULT now(),
  tenant_id       text,
  action          text NOT NULL,
  outcome         text NOT NULL CHECK (outcome IN ('SUCCEEDED', 'DENIED')),
  actor_id        text,
  actor_username  text,
  via             text NOT NULL CHECK (via IN ('OIDC', 'API_KEY', 'SYSTEM')),
  api_key_id      text,
  -- SYSTEM's job (bootstrap, retention, ...): which of the service's own jobs.
  job             text,
  target_type     text NOT NULL,
  target_id       text NOT NULL,
  target_name     text,
  subject_type    text,
  subject_id      text,
  request_id      text,
  -- The entry of the change this one is part of (what a removal took along); null on that entry itself.
  headline_id     text,
  permission      text,
  changes         jsonb NOT NULL DEFAULT '[]',
  CONSTRAINT audit_log_denied_shape CHECK ((outcome = 'DENIED') = (permission IS NOT NULL)),
  CONSTRAINT audit_log_via_shape CHECK ((via = 'SYSTEM') = (actor_id IS NULL))
);

-- Newest first, one index per filter (each ends in the page order, so a page is one index range).
CREATE INDEX audit_log_tenant_idx ON audit_log (tenant_id, occurred_at DESC, id DESC);
CREATE INDEX audit_log_tenant_action_idx ON audit_log (tenant_id, action, occurred_at DESC, id DESC);
-- Refusals only: SUCCEEDED is nearly every entry, read from audit_log_tenant_idx with a filter, so
-- successful mutations (the write path the audit log must not slow) maintain no index for it.
CREATE INDEX audit_log_tenant_denied_idx ON audit_log (tenant_id, occurred_at DESC, id DESC) WHERE outcome = 'DENIED';
CREATE INDEX audit_log_tenant_actor_idx ON audit_log (tenant_id, actor_id, occurred_at DESC, id DESC);
-- Also one probe per workspace of a subtree (Workspace.auditLog).
CREATE INDEX audit_log_target_idx ON audit_log (tenant_id, target_id, occurred_at DESC, id DESC);
-- A principal's DENIED entries of the last minute, whatever the tenant (the bound on refusals).
CREATE INDEX audit_log_actor_denied_idx ON audit_log (actor_id, occurred_at DESC, id DESC) WHERE outcome = 'DENIED';
-- Export without a tenant, and the retention purge.
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at, id);

-- Append-only: no UPDATE ever, no DELETE but the retention purge's, no TRUNCATE.
-- purge_audit_log() is the one exception: it names the cutoff in a transaction-local setting that
-- only it sets and clears, and the trigger lets a DELETE through only for rows older than that cutoff.
-- A stray `DELETE FROM audit_log` (a repair by hand, a bug) fails.
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  cutoff text := current_setting('iam.audit_purge_before', true);
BEGIN
  IF TG_OP = 'DELETE' AND cutoff IS NOT NULL AND cutoff <> '' AND OLD.occurred_at < cutoff::timestamptz THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE FUNCTION audit_log_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: TRUNCATE refused' USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_no_truncate();

-- The retention purge: removes entries older than `cutoff`, returns how many.
CREATE FUNCTION purge_audit_log(cutoff timestamptz) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  removed bigint;
BEGIN
  PERFORM set_config('iam.audit_purge_before', cutoff::text, true);
  DELETE FROM audit_log WHERE occurred_at < cutoff;
  GET DIAGNOSTICS removed = ROW_COUNT;
  PERFORM set_config('iam.audit_purge_before', '', true);
  RETURN removed;
END;
$$;

-- When the service's periodic jobs (retention purges) last ran, by the injected clock: at most daily
-- whichever process leads the relay.
CREATE TABLE maintenance_runs (
  job          text PRIMARY KEY,
  last_run_at  timestamptz NOT NULL
);
