-- Every fact lives here; SpiceDB is an index derived from these tables through the outbox.

CREATE TABLE users (
  id          text PRIMARY KEY,
  issuer      text NOT NULL,
  subject     text NOT NULL,
  username    text NOT NULL,
  name        text,
  email       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_identity_key UNIQUE (issuer, subject)
);

CREATE TABLE tenants (
  id          text PRIMARY KEY,
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255 AND name = btrim(name)),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX tenants_name_key ON tenants (lower(name));
CREATE INDEX tenants_order_idx ON tenants ((lower(name) COLLATE "C"), id);

CREATE TABLE tenant_members (
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('admin', 'member')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, user_id)
);
CREATE INDEX tenant_members_user_idx ON tenant_members (user_id);

CREATE TABLE workspaces (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
  parent_id   text,
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255 AND name = btrim(name)),
  depth       integer NOT NULL CHECK (depth >= 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT workspaces_tenant_id_key UNIQUE (tenant_id, id),
  -- A parent always lives in the same tenant; RESTRICT backs up the service's "has children" rule.
  CONSTRAINT workspaces_parent_fkey FOREIGN KEY (tenant_id, parent_id)
    REFERENCES workspaces (tenant_id, id) ON DELETE RESTRICT,
  CONSTRAINT workspaces_root_shape CHECK ((parent_id IS NULL) = (depth = 0))
);
CREATE UNIQUE INDEX workspaces_one_root_per_tenant ON workspaces (tenant_id) WHERE parent_id IS NULL;
CREATE UNIQUE INDEX workspaces_sibling_name_key ON workspaces (parent_id, lower(name)) WHERE parent_id IS NOT NULL;
-- Lists are ordered case-insensitively by name, then id; "C" keeps that order identical on every server locale.
CREATE INDEX workspaces_tenant_order_idx ON workspaces (tenant_id, (lower(name) COLLATE "C"), id);
CREATE INDEX workspaces_children_order_idx ON workspaces (parent_id, (lower(name) COLLATE "C"), id);

CREATE TABLE groups (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255 AND name = btrim(name)),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT groups_tenant_id_key UNIQUE (tenant_id, id)
);
CREATE UNIQUE INDEX groups_name_key ON groups (tenant_id, lower(name));

CREATE TABLE group_members (
  group_id    text NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
  user_id     text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('admin', 'member')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);

-- A workspace member is either a user or a whole group, never both.
CREATE TABLE workspace_members (
  workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
  user_id      text REFERENCES users (id) ON DELETE CASCADE,
  group_id     text REFERENCES groups (id) ON DELETE CASCADE,
  role         text NOT NULL CHECK (role IN ('admin', 'editor', 'member')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT workspace_members_one_subject CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX workspace_members_user_key ON workspace_members (workspace_id, user_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX workspace_members_group_key ON workspace_members (workspace_id, group_id) WHERE group_id IS NOT NULL;

CREATE TABLE api_keys (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
  owner_user_id text NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
  name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
  -- Non-secret lookup handle ("karto_" + first random characters); the secret is only stored as a digest.
  prefix        text NOT NULL,
  secret_sha256 bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz,
  revoked_at    timestamptz,
  last_used_at  timestamptz
);
CREATE INDEX api_keys_prefix_idx ON api_keys (prefix);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant_id);
CREATE UNIQUE INDEX api_keys_name_key ON api_keys (tenant_id, owner_user_id, lower(name)) WHERE revoked_at IS NULL;

-- Transactional outbox. seq is assigned under an advisory lock held until commit, so seq order is commit order.
CREATE TABLE outbox (
  seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id       text,
  aggregate_type  text NOT NULL,
  aggregate_id    text NOT NULL,
  event_type      text NOT NULL,
  payload         jsonb NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'applied', 'parked', 'replayed')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error      text,
  applied_at      timestamptz,
  zed_token       text,
  replay_of       bigint REFERENCES outbox (seq)
);
CREATE INDEX outbox_pending_idx ON outbox (seq) WHERE status = 'pending';
CREATE INDEX outbox_parked_idx ON outbox (seq) WHERE status = 'parked';
CREATE INDEX outbox_tenant_idx ON outbox (tenant_id, seq);

-- The newest SpiceDB revision that reflects every applied outbox event; requests read at least this fresh.
CREATE TABLE authz_state (
  singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  zed_token   text,
  applied_seq bigint NOT NULL DEFAULT 0,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO authz_state (singleton) VALUES (true);

CREATE FUNCTION outbox_notify_pending() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- An empty payload collapses to one notification per transaction.
  PERFORM pg_notify('iam_outbox_pending', '');
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify_pending AFTER INSERT ON outbox
  FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify_pending();
