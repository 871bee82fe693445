import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'iam-subgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'apiKey', 'secret'], censor: '[redacted]' },
    },
    destination,
  );
}

/**
 * JSON for machines (piped, or production, where a log shipper reads it), readable lines for a
 * developer at a terminal; LOG_FORMAT decides when set.
 */
export function logFormat(settings: { LOG_FORMAT?: LogFormat | undefined; isProduction: boolean }, isTTY: boolean): LogFormat {
  return settings.LOG_FORMAT ?? (isTTY && !settings.isProduction ? 'pretty' : 'json');
}

/**
 * A process's logger on stdout (the server) or stderr (commands, whose stdout is their answer).
 * Pretty lines carry every field of the JSON line (the constant `service` aside), on one line.
 */
export function createConsoleLogger(
  settings: { LOG_LEVEL: string; LOG_FORMAT?: LogFormat | undefined; isProduction: boolean },
  stream: 'stdout' | 'stderr' = 'stdout',
): Logger {
  const fd = stream === 'stdout' ? 1 : 2;
  if (logFormat(settings, process[stream].isTTY === true) === 'json') {
    return createLogger(settings.LOG_LEVEL, stream === 'stdout' ? undefined : process.stderr);
  }
  const prettyStream = pretty({
    destination: fd,
    sync: true,
    singleLine: true,
    colorize: process[stream].isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'service,pid,hostname',
  });
  return createLogger(settings.LOG_LEVEL, prettyStream);
}
