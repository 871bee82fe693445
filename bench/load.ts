import autocannon from 'autocannon';
import type { Scenario } from './scenarios.js';

export interface Target {
  url: string;
  apiKey: string;
}

export interface Verified {
  body: string;
  bytes: number;
  /** What the response contained, from the scenario's check. */
  contains: string;
}

export interface LoadFigures {
  durationSeconds: number;
  /** Requests sent; those not answered when the window closed are still served afterwards. */
  sent: number;
  /** Responses received within the window. */
  requests: number;
  requestsPerSecond: number;
  latencyMs: { average: number; p50: number; p97_5: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses whose body differed from the verified one (a GraphQL error arrives with status 200). */
  mismatches: number;
  bytesPerSecond: number;
}

function request(scenario: Scenario, target: Target): { headers: Record<string, string>; body: string } {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (scenario.authenticated) headers['x-api-key'] = target.apiKey;
  return { headers, body: JSON.stringify({ operationName: scenario.operationName, query: scenario.query, variables: scenario.variables }) };
}

/** One request before the load: it must succeed without GraphQL errors and pass the scenario's check. */
export async function verify(scenario: Scenario, target: Target): Promise<Verified> {
  const { headers, body } = request(scenario, target);
  const response = await fetch(target.url, { method: 'POST', headers, body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${scenario.operationName}: HTTP ${response.status}: ${text.slice(0, 500)}`);
  const parsed = JSON.parse(text) as { data?: unknown; errors?: unknown };
  if (parsed.errors !== undefined) throw new Error(`${scenario.operationName}: GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  const contains = scenario.check(parsed.data);
  return { body: text, bytes: Buffer.byteLength(text), contains };
}

/** Latency of requests sent one at a time: for `seconds`, and at least `minimum` requests (also the warm-up). */
export async function sequential(scenario: Scenario, target: Target, expectBody: string, seconds: number, minimum: number): Promise<{ requests: number; p50Ms: number }> {
  const { headers, body } = request(scenario, target);
  const times: number[] = [];
  const until = Date.now() + seconds * 1000;
  while (times.length < minimum || Date.now() < until) {
    const started = process.hrtime.bigint();
    const response = await fetch(target.url, { method: 'POST', headers, body });
    const text = await response.text();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (text !== expectBody) throw new Error(`${scenario.operationName}: response changed during warm-up: ${text.slice(0, 300)}`);
  }
  times.sort((a, b) => a - b);
  return { requests: times.length, p50Ms: Math.round((times[Math.floor((times.length - 1) / 2)] ?? NaN) * 10) / 10 };
}

/**
 * autocannon against one scenario: every response must equal `expectBody` (the verified one), so
 * a GraphQL error under load shows up as a mismatch even though its status is 200.
 */
export async function load(scenario: Scenario, target: Target, expectBody: string, connections: number, durationSeconds: number): Promise<LoadFigures> {
  const { headers, body } = request(scenario, target);
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers,
    body,
    connections,
    pipelining: 1,
    duration: durationSeconds,
    // Slow scenarios queue up behind each other; a request is late, not lost, so no timeouts.
    timeout: 300,
    expectBody,
  });
  return {
    durationSeconds: result.duration,
    sent: result.requests.sent,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    latencyMs: {
      average: result.latency.average,
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    bytesPerSecond: result.throughput.average,
  };
}
