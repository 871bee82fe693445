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

