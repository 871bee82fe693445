import { createLogger, type Logger } from '../../src/logger.js';

export interface CapturedLogs {
  logger: Logger;
  lines: Record<string, unknown>[];
  raw: string[];
  /** The `authentication_failed` entries, in order. */
  failures(): Record<string, unknown>[];
}

/** A logger whose JSON lines tests can read back. */
export function captureLogs(level = 'debug'): CapturedLogs {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger(level, {
    write(message: string) {
      raw.push(message);
      lines.push(JSON.parse(message) as Record<string, unknown>);
    },
  });
  return { logger, lines, raw, failures: () => lines.filter((l) => l.msg === 'authentication_failed') };
}


/**
 * The request log line of the response with these headers. The line is written once the response
 * has been sent, so it may arrive after the client has the answer (and after the next request went
 * out): it is found by the request id the response echoes, never by being the latest line.
 */
export async function requestLine(logs: CapturedLogs, headers: Headers, timeoutMs = 5_000): Promise<Record<string, unknown>> {
  const requestId = headers.get('x-request-id');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = logs.lines.find((l) => l.event === 'graphql_request' && l.requestId === requestId);
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no request log line for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
