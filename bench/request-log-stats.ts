import { parseJson } from './service.js';

export interface Range {
  min: number;
  max: number;
}

/** What the service's own `graphql_request` lines say about one operation. */
export interface RequestLogStats {
  /** Lines logged for the operation. */
  requests: number;
  sql: Range;
  spicedb: Range;
  /** Lines that counted at least one SpiceDB call. */
  withSpicedb?: number;
  /** Lines that carried errorCodes. */
  withErrors: number;
  /** Time inside the service, from the start of the GraphQL request to the response (ms). */
  serviceMs: { p50: number; p99: number };
}

function range(values: number[]): Range {
  return values.reduce((r, v) => ({ min: Math.min(r.min, v), max: Math.max(r.max, v) }), { min: Infinity, max: -Infinity });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function isLineOf(line: string, operationName: string): boolean {
  return line.includes('"event":"graphql_request"') && line.includes(`"operationName":"${operationName}"`);
}

export function countLogged(lines: readonly string[], operationName: string): number {
  let count = 0;
  for (const line of lines) if (isLineOf(line, operationName)) count += 1;
  return count;
}

export function requestLogStats(lines: readonly string[], operationName: string): RequestLogStats {
  const sql: number[] = [];
  const spicedb: number[] = [];
  const durations: number[] = [];
  let withErrors = 0;
  let withSpicedb = 0;
  for (const line of lines) {
    if (!isLineOf(line, operationName)) continue;
    const entry = parseJson(line);
    if (!entry) continue;
    sql.push(typeof entry.sql === 'number' ? entry.sql : NaN);
    spicedb.push(typeof entry.spicedb === 'number' ? entry.spicedb : NaN);
    if (typeof entry.durationMs === 'number') durations.push(entry.durationMs);
    if (entry.errorCodes !== undefined) withErrors += 1;
    if (typeof entry.spicedb === 'number' && entry.spicedb > 0) withSpicedb += 1;
  }
  durations.sort((a, b) => a - b);
  return {
    requests: sql.length,
    sql: range(sql),
    spicedb: range(spicedb),
    withErrors,
    withSpicedb,
    serviceMs: { p50: percentile(durations, 50), p99: percentile(durations, 99) },
  };
}
