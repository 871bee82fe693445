import type { Logger } from '../../../src/logger.js';
import { createLogger } from '../../../src/logger.js';
import type { TestDatabase } from '../../support/database.js';
import { ulid } from 'ulid';

export interface CapturedLogs {
  logger: Logger;
  lines: Record<string, unknown>[];
  raw: string[];
  /** The `authentication_failed` entries, in order. */
  failures(): Record<string, unknown>[];
}

export function captureLogs(): CapturedLogs {
  const raw: string[] = [];
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', {
    write(message: string) {
      raw.push(message);
      lines.push(JSON.parse(message) as Record<string, unknown>);
    },
  });
  return { logger, lines, raw, failures: () => lines.filter((l) => l.msg === 'authentication_failed') };
}

export async function insertTenant(database: TestDatabase, name = `tenant-${ulid()}`): Promise<string> {
  const id = ulid();
  await database.pool.query('INSERT INTO tenants (id, name) VALUES ($1, $2)', [id, name]);
  return id;
}

export async function insertUser(database: TestDatabase, username: string): Promise<string> {
  const id = ulid();
  await database.pool.query('INSERT INTO users (id, issuer, subject, username) VALUES ($1, $2, $3, $4)', [
    id,
    'https://issuer.test',
    `sub-${id}`,
    username,
  ]);
  return id;
}

export async function addTenantMember(database: TestDatabase, tenantId: string, userId: string): Promise<void> {
  await database.pool.query(`INSERT INTO tenant_members (tenant_id, user_id, role) VALUES ($1, $2, 'member')`, [tenantId, userId]);
}
