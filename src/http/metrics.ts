import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboxRelayStats } from '../outbox/relay.js';

/** Every value the `outcome` label can take; anything else counts as OTHER. */
const OUTCOMES = new Set([
  'ok',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'INTERNAL_SERVER_ERROR',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'RESPONSE_TOO_LARGE',
  'CLIENT_CLOSED',
]);
const UNAUTHENTICATED_OPERATION = '(unauthenticated)';
const UNNAMED_OPERATION = '(unnamed)';
const OTHER_OPERATION = '(other)';
// Operation names are GraphQL names once resolved; this keeps a long one from bloating every scrape.
const MAX_LABEL_LENGTH = 64;

export interface RequestObservation {
  /** The operation's name as resolved from the document; undefined when none was resolved. */
  operation: string | undefined;
  authenticated: boolean;
  outcome: string;
  seconds: number;
}

/** Prometheus metrics of this process, served on GET /metrics. */
export class RequestMetrics {
  readonly registry = new Registry();
  private readonly duration = new Histogram({
    name: 'iam_graphql_request_duration_seconds',
    help: 'GraphQL request duration by operation and outcome (first error code, or ok)',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  private readonly operations = new Set<string>();

  /**
   * @param maxOperations how many distinct operation names get a label of their own; later ones
   *   share `(other)`. Clients choose the names, so the set must be bounded: unauthenticated
   *   requests never add one.
   */
  constructor(
    relayStats?: () => OutboxRelayStats,
    backlog?: () => Promise<{ pending: number; parked: number }>,
    private readonly maxOperations = 100,
  ) {
    collectDefaultMetrics({ register: this.registry });
    if (backlog) {
      new Gauge({
        name: 'iam_outbox_backlog',
        help: 'Outbox events not yet in SpiceDB, by status (pending: waiting for the relay; parked: needs an operator)',
        labelNames: ['status'],
        registers: [this.registry],
        async collect() {
          const counts = await backlog();
          this.set({ status: 'pending' }, counts.pending);
          this.set({ status: 'parked' }, counts.parked);
        },
      });
    }
    if (!relayStats) return;
    // Read at scrape time from the relay's own counters, so the relay stays free of prom-client.
    const relayGauge = (name: string, help: string, read: (s: OutboxRelayStats) => number): void => {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read(relayStats()));
        },
      });
    };
    relayGauge('iam_outbox_relay_leader', '1 when this process is the outbox relay leader', (s) => (s.leader ? 1 : 0));
    relayGauge('iam_outbox_events_applied', 'Outbox events this process applied to SpiceDB', (s) => s.applied);
    relayGauge('iam_outbox_events_parked', 'Outbox events this process parked (dead-lettered)', (s) => s.parked);
    relayGauge('iam_outbox_retries_scheduled', 'Outbox retries this process scheduled', (s) => s.retriesScheduled);
    relayGauge('iam_outbox_transient_failures', 'SpiceDB failures this process saw while relaying (unreachable, overloaded)', (s) => s.transientFailures);
    relayGauge('iam_outbox_last_applied_seq', 'Sequence number of the last outbox event this process applied', (s) => Number(s.lastAppliedSeq ?? 0));
  }

  observe(observation: RequestObservation): void {
    const outcome = OUTCOMES.has(observation.outcome) ? observation.outcome : 'OTHER';
    this.duration.observe({ operation: this.operationLabel(observation), outcome }, observation.seconds);
  }

  private operationLabel({ operation, authenticated }: RequestObservation): string {
    if (!authenticated) return UNAUTHENTICATED_OPERATION;
    if (operation === undefined || operation === '') return UNNAMED_OPERATION;
    const name = operation.slice(0, MAX_LABEL_LENGTH);
    if (this.operations.has(name)) return name;
    if (this.operations.size >= this.maxOperations) return OTHER_OPERATION;
    this.operations.add(name);
    return name;
  }
}
