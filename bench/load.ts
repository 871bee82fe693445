import autocannon from 'autocannon';
import type { Credential, Scenario } from './scenarios.js';

export interface Target {
  url: string;
  apiKeys: Record<Exclude<Credential, 'none'>, string>;
}

export interface Verified {
  /** The verified body when every request must answer it; undefined for rotating scenarios. */
  body: string | undefined;
  bytes: number;
  /** What the response contained, from the scenario's check. */
  contains: string;
}

export interface LoadFigures {
  durationSeconds: number;
  connections: number;
  /** Requests sent; those not answered when the window closed are still served afterwards. */
  sent: number;
  /** Responses received within the window. */
  requests: number;
  requestsPerSecond: number;
  latencyMs: { average: number; p50: number; p97_5: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  /** Responses that differed from the verified one, or carried `errors` (a GraphQL error arrives with status 200). */
  mismatches: number;
  bytesPerSecond: number;
}

function headers(scenario: Scenario, target: Target): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  if (scenario.credential !== 'none') h['x-api-key'] = target.apiKeys[scenario.credential];
  return h;
}

function bodies(scenario: Scenario): string[] {
  return scenario.variables.map((variables) => JSON.stringify({ operationName: scenario.operationName, query: scenario.query, variables }));
}

async function post(scenario: Scenario, target: Target, body: string): Promise<string> {
  const response = await fetch(target.url, { method: 'POST', headers: headers(scenario, target), body });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${scenario.operationName}: HTTP ${response.status}: ${text.slice(0, 500)}`);
  return text;
}

/** Requests for the first and last variables must succeed without GraphQL errors and pass the scenario's check. */
export async function verify(scenario: Scenario, target: Target): Promise<Verified> {
  const all = bodies(scenario);
  let verified: Verified | undefined;
  for (const index of [...new Set([0, all.length - 1])]) {
    const text = await post(scenario, target, all[index] ?? '');
    const parsed = JSON.parse(text) as { data?: unknown; errors?: unknown };
    if (parsed.errors !== undefined) throw new Error(`${scenario.operationName}: GraphQL errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
    const contains = scenario.check(parsed.data, index);
    verified ??= { body: all.length === 1 ? text : undefined, bytes: Buffer.byteLength(text), contains };
  }
  if (!verified) throw new Error(`${scenario.operationName}: no variables`);
  return verified;
}

/** Latency of requests sent one at a time: for `seconds`, and at least `minimum` requests (also the warm-up). */
export async function sequential(scenario: Scenario, target: Target, verified: Verified, seconds: number, minimum: number): Promise<{ requests: number; p50Ms: number }> {
  const all = bodies(scenario);
  const times: number[] = [];
  const until = Date.now() + seconds * 1000;
  while (times.length < minimum || Date.now() < until) {
    const started = process.hrtime.bigint();
    const text = await post(scenario, target, all[times.length % all.length] ?? '');
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (verified.body !== undefined ? text !== verified.body : text.includes('"errors"')) {
      throw new Error(`${scenario.operationName}: response changed during warm-up: ${text.slice(0, 300)}`);
    }
  }
  times.sort((a, b) => a - b);
  return { requests: times.length, p50Ms: Math.round((times[Math.floor((times.length - 1) / 2)] ?? NaN) * 10) / 10 };
}

/**
 * autocannon against one scenario: every response must equal the verified body, or, for rotating
 * scenarios, be free of `errors`; a GraphQL error under load shows up as a mismatch though its status is 200.
 */
export async function load(scenario: Scenario, target: Target, verified: Verified, connections: number, durationSeconds: number): Promise<LoadFigures> {
  const all = bodies(scenario);
  let next = 0;
  let badBodies = 0;
  const rotating = verified.body === undefined;
  const result = await autocannon({
    url: target.url,
    method: 'POST',
    headers: headers(scenario, target),
    connections,
    pipelining: 1,
    duration: durationSeconds,
    // Slow scenarios queue up behind each other; a request is late, not lost, so no timeouts.
    timeout: 300,
    ...(rotating
      ? {
          requests: [
            {
              setupRequest: (request: autocannon.Request) => ({ ...request, body: all[next++ % all.length] ?? '' }),
              onResponse: (_status: number, body: string) => {
                if (body.includes('"errors"')) badBodies += 1;
              },
            },
          ],
        }
      : { body: all[0] ?? '', expectBody: verified.body }),
  });
  return {
    durationSeconds: result.duration,
    connections,
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
    mismatches: result.mismatches + badBodies,
    bytesPerSecond: result.throughput.average,
  };
}
