-- Grants that expire (issue 20): a workspace grant, a group membership or a tenant MEMBER's
-- membership may carry an end. SpiceDB stops counting the relationship at that instant (written
-- with OptionalExpiresAt); until the relay leader's sweeper deletes the row, every read here says
-- `expires_at IS NULL OR expires_at > now()`. A tenant ADMIN never expires: the last-admin rule
-- must not be broken by time.
ALTER TABLE workspace_members ADD COLUMN expires_at timestamptz;
ALTER TABLE group_members ADD COLUMN expires_at timestamptz;
ALTER TABLE tenant_members ADD COLUMN expires_at timestamptz;
ALTER TABLE tenant_members ADD CONSTRAINT tenant_members_admin_never_expires CHECK (role = 'member' OR expires_at IS NULL);

-- The sweeper's ranges and the next upcoming expiry the answer cache's generation reads: both
-- `min(expires_at)` over what is set, so index-only on rows that expire (few), not on every grant.
CREATE INDEX workspace_members_expiry_idx ON workspace_members (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX group_members_expiry_idx ON group_members (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX tenant_members_expiry_idx ON tenant_members (expires_at) WHERE expires_at IS NOT NULL;
