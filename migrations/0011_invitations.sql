-- Invitations (issue 20): a tenant admin invites an email address, which need not belong to anyone
-- who signed in yet; the invitee accepts with a token carrying that address, verified. A pending
-- invitation is a row and nothing else: no relationship exists for it (src/invitations/).
--
-- `status` is what happened to it; a pending row whose `expires_at` has passed reads as EXPIRED
-- (the database's clock decides, in the reading statement). Such a row is marked 'expired' when the
-- same address is invited again, so the one-pending index below frees its slot.
CREATE TABLE invitations (
  id            text PRIMARY KEY,
  -- RESTRICT, as every table of a tenant: the tenant's deletion deletes them itself, with events.
  tenant_id     text NOT NULL REFERENCES tenants (id) ON DELETE RESTRICT,
  email         text NOT NULL CHECK (char_length(email) BETWEEN 3 AND 320),
  -- nameKey(email), as users.email_key: what "the same address" compares.
  email_key     text COLLATE "C" NOT NULL,
  role          text NOT NULL CHECK (role IN ('admin', 'member')),
  status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'declined', 'revoked', 'expired')),
  invited_by    text REFERENCES users (id) ON DELETE SET NULL,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL,
  -- The end of the membership accepting gives (a MEMBER's only: an ADMIN never expires). The
  -- invitation lapses no later than it (expires_at <= membership_expires_at), so one that could only
  -- make a membership already over reads EXPIRED and cannot be accepted.
  membership_expires_at timestamptz,
  -- When the invitee accepted or declined, and who they signed in as.
  responded_at  timestamptz,
  responded_by  text REFERENCES users (id) ON DELETE SET NULL,
  -- When an admin (or the inviter's departure) revoked it.
  revoked_at    timestamptz,
  CONSTRAINT invitations_responded_shape CHECK ((status IN ('accepted', 'declined')) = (responded_at IS NOT NULL)),
  CONSTRAINT invitations_revoked_shape CHECK ((status = 'revoked') = (revoked_at IS NOT NULL)),
  CONSTRAINT invitations_admin_never_expires CHECK (role = 'member' OR membership_expires_at IS NULL),
  CONSTRAINT invitations_lapse_before_membership_end CHECK (membership_expires_at IS NULL OR expires_at <= membership_expires_at)
);

-- One pending invitation per tenant and address (CONFLICT INVITATION_PENDING, src/infra/db/pg-errors.ts).
CREATE UNIQUE INDEX invitations_one_pending_key ON invitations (tenant_id, email_key) WHERE status = 'pending';
-- A tenant's invitations, newest first (ids are ULIDs, ordered by creation): Tenant.invitations.
CREATE INDEX invitations_tenant_order_idx ON invitations (tenant_id, id DESC);
-- The pending invitations addressed to someone, in every tenant: Viewer.invitations.
CREATE INDEX invitations_pending_email_idx ON invitations (email_key, id DESC) WHERE status = 'pending';
-- Pending invitations an inviter made, revoked when they leave the tenant.
CREATE INDEX invitations_pending_inviter_idx ON invitations (tenant_id, invited_by) WHERE status = 'pending';
-- When each closed (or will lapse): the retention purge's range (src/lifecycle/retention.ts).
CREATE INDEX invitations_closed_at_idx ON invitations ((coalesce(responded_at, revoked_at, expires_at)));

-- What accepting grants besides the membership, in the order the admin gave it. No foreign key to the
-- workspace or group on purpose: one deleted meanwhile is skipped at acceptance and named by its id.
CREATE TABLE invitation_grants (
  invitation_id  text NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
  position       int NOT NULL,
  workspace_id   text,
  group_id       text,
  role           text NOT NULL,
  PRIMARY KEY (invitation_id, position),
  CONSTRAINT invitation_grants_one_target CHECK ((workspace_id IS NULL) <> (group_id IS NULL)),
  CONSTRAINT invitation_grants_role CHECK (
    (workspace_id IS NOT NULL AND role IN ('admin', 'editor', 'member')) OR (group_id IS NOT NULL AND role IN ('admin', 'member')))
);
