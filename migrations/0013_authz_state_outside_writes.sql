-- How many times SpiceDB was written outside the outbox (reconcile, rebuild), each storing a new
-- zed_token without a new applied_seq. The answer cache (src/authz/answer-cache.ts) keeps answers
-- across applied events of other tenants, learning what changed from the outbox; a write that left
-- no outbox row could change any tenant, so a new count drops every answer.
ALTER TABLE authz_state ADD COLUMN outside_writes bigint NOT NULL DEFAULT 0;
