import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OutboxRelayStats } from '../outbox/relay.js';

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

  constructor(relayStats?: () => OutboxRelayStats, backlog?: () => Promise<{ pending: number; parked: number }>) {
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

  observe(operation: string, outcome: string, seconds: number): void {
    this.duration.observe({ operation, outcome }, seconds);
  }
}
