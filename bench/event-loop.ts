/**
 * The service's event-loop delay over a window, from its own /metrics: prom-client's collector
 * reads Node's monitorEventLoopDelay and resets it at every scrape, so a scrape when the window
 * opens and one when it closes give that window alone. Node samples every 10 ms and records the
 * timer's whole delay, so an idle loop reads ~10 ms: the resolution is subtracted.
 */
const RESOLUTION_MS = 10;

export interface EventLoopDelay {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function metricsUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/\/graphql$/, '/metrics');
}

function gauge(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

/** Starts a window (the scrape resets the histogram). */
export async function resetEventLoopDelay(graphqlUrl: string): Promise<void> {
  await (await fetch(metricsUrl(graphqlUrl))).text();
}

/** The delay since the last scrape, beyond the 10 ms sampling interval. */
export async function readEventLoopDelay(graphqlUrl: string): Promise<EventLoopDelay> {
  const text = await (await fetch(metricsUrl(graphqlUrl))).text();
  const beyond = (seconds: number): number => Math.round(Math.max(0, seconds * 1000 - RESOLUTION_MS) * 10) / 10;
  return {
    p50Ms: beyond(gauge(text, 'nodejs_eventloop_lag_p50_seconds')),
    p99Ms: beyond(gauge(text, 'nodejs_eventloop_lag_p99_seconds')),
    maxMs: beyond(gauge(text, 'nodejs_eventloop_lag_max_seconds')),
  };
}
