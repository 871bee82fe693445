import type { Config } from '../config.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';
import type { Logger } from '../logger.js';
import type { BackoffPolicy } from '../shared/backoff.js';
import type { PgNotifier } from '../infra/db/pg-notifier.js';

export interface OutboxRelayOptions {
  connectionString: string;
  spicedb: Pick<SpiceDb, 'write'>;
  notifier: PgNotifier;
  logger: Logger;
  pollIntervalMs: number;
  batchSize: number;
  maxAttempts: number;
  backoff: BackoffPolicy;
  lockKey?: number;
  random?: () => number;
}

export function relaySettings(config: Config): Pick<OutboxRelayOptions, 'pollIntervalMs' | 'batchSize' | 'maxAttempts' | 'backoff'> {
  return {
    pollIntervalMs: config.OUTBOX_POLL_INTERVAL_MS,
    batchSize: config.OUTBOX_BATCH_SIZE,
    maxAttempts: config.OUTBOX_MAX_ATTEMPTS,
    backoff: { baseMs: config.OUTBOX_BACKOFF_BASE_MS, maxMs: config.OUTBOX_BACKOFF_MAX_MS },
  };
}

/** Counters for /metrics; the relay itself stays free of prom-client. */
export interface OutboxRelayStats {
  leader: boolean;
  leadershipsAcquired: number;
  batches: number;
  applied: number;
  parked: number;
  retriesScheduled: number;
  transientFailures: number;
  permanentFailures: number;
  lastAppliedSeq: string | null;
}

export type RelayCounters = Omit<OutboxRelayStats, 'leader'>;

export function emptyCounters(): RelayCounters {
  return {
    leadershipsAcquired: 0,
    batches: 0,
    applied: 0,
    parked: 0,
    retriesScheduled: 0,
    transientFailures: 0,
    permanentFailures: 0,
    lastAppliedSeq: null,
  };
}
