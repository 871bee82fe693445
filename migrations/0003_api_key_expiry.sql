-- Every API key expires (the API reports expiresAt as non-null). Keys made before had none: the
-- bootstrap admin's key, typically. They get the longest lifetime the API allows, counted from
-- their creation, so nothing that works today stops working soon.
UPDATE api_keys SET expires_at = created_at + interval '3650 days' WHERE expires_at IS NULL;
ALTER TABLE api_keys ALTER COLUMN expires_at SET NOT NULL;

-- Listing: a tenant's keys and an owner's keys, newest first (ids are ULIDs, ordered by creation).
CREATE INDEX api_keys_tenant_order_idx ON api_keys (tenant_id, id DESC);
CREATE INDEX api_keys_owner_order_idx ON api_keys (owner_user_id, id DESC);
DROP INDEX api_keys_tenant_idx;
