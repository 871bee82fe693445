/** LISTEN/NOTIFY channels of the outbox (the pending one is notified by a trigger in migrations/0001_init.sql). */
export const OUTBOX_PENDING_CHANNEL = 'iam_outbox_pending';
export const OUTBOX_APPLIED_CHANNEL = 'iam_outbox_applied';
