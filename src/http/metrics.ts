import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of this process, served on GET /metrics. */
export class RequestMetrics {
  readonly registry = new Registry();
  private readonly duration = new Histogram({
    name: 'iam_graphql_request_duration_seconds',
    help: 'GraphQL request duration by operation and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly outboxApplied = new Counter({
    name: 'iam_outbox_events_applied_total',
    help: 'Outbox events applied to SpiceDB by this process',
    registers: [this.registry],
  });
  readonly outboxParked = new Counter({
    name: 'iam_outbox_events_parked_total',
    help: 'Outbox events parked (dead-lettered) by this process',
    registers: [this.registry],
  });
  readonly relayLeader = new Gauge({
    name: 'iam_outbox_relay_leader',
    help: '1 when this process is the outbox relay leader',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observe(operation: string, outcome: string, seconds: number): void {
    this.duration.observe({ operation, outcome }, seconds);
  }
}
