-- Access management reads and deletes memberships by user and by group, not only by their owner:
-- a user leaving a tenant loses every grant and group membership there in one transaction, and
-- deleting a group removes its workspace grants.
CREATE INDEX workspace_members_user_idx ON workspace_members (user_id) WHERE user_id IS NOT NULL;
CREATE INDEX workspace_members_group_idx ON workspace_members (group_id) WHERE group_id IS NOT NULL;
CREATE INDEX group_members_user_idx ON group_members (user_id);
