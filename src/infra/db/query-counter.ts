import type { LogEvent } from 'kysely';
import { countSql } from '../../shared/request-counters.js';

/**
 * Kysely calls its `log` hook once per statement sent to the server (subqueries included in their
 * statement), which is what "SQL round trips per request" means; plugins would see subqueries too.
 */
export function countStatements(_event: LogEvent): void {
  countSql();
}
