import { exportEntries } from '../audit/audit-log.repository.js';
import type { AuditEntry } from '../audit/audit-entry.js';
import { createDatabase } from '../infra/db/database.js';
import { parseId } from '../shared/ids.js';
import type { CommandOutput } from './outbox-command.js';

export const AUDIT_USAGE = 'usage: npm run audit -- export [--tenant ID] [--since ISO-8601] [--until ISO-8601]';

export interface ExportOptions {
  tenantId?: string;
  since?: Date;
  until?: Date;
}

/** Parses `export [--tenant ID] [--since T] [--until T]`; null when the arguments are not that. */
export function parseAuditArgs(args: readonly string[]): ExportOptions | null {
  const [command, ...rest] = args;
  if (command !== 'export' || rest.length % 2 !== 0) return null;
  const options: ExportOptions = {};
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1] ?? ''];
    if (flag === '--tenant') {
      const id = parseId(value);
      if (!id) return null;
      options.tenantId = id;
    } else if (flag === '--since' || flag === '--until') {
      const time = new Date(value);
      if (Number.isNaN(time.getTime())) return null;
      options[flag === '--since' ? 'since' : 'until'] = time;
    } else {
      return null;
    }
  }
  return options;
}

/** One JSON Lines record: the entry as the API names its fields, the actor's job for SYSTEM. */
export function toJsonLine(entry: AuditEntry): string {
  return JSON.stringify({ ...entry, occurredAt: entry.occurredAt.toISOString() });
}

/**
 * `npm run audit -- export`: every entry in the window, oldest first, as JSON Lines on stdout (the
 * shape log pipelines and SIEMs ingest), deleted tenants' included. Returns the exit code.
 */
export async function runAuditCommand(args: readonly string[], databaseUrl: string, out: CommandOutput): Promise<number> {
  const options = parseAuditArgs(args);
  if (!options) {
    out.error(AUDIT_USAGE);
    return 2;
  }
  const database = createDatabase(databaseUrl, undefined, 1);
  try {
    for await (const entry of exportEntries(database.db, options)) out.log(toJsonLine(entry));
    return 0;
  } finally {
    await database.close();
  }
}
