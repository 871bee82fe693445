/**
 * The audit log for log pipelines and SIEMs (npm run audit -- export [--tenant ID] [--since T] [--until T]):
 * JSON Lines on stdout, oldest first, deleted tenants' entries included for the retention period.
 * Works on DATABASE_URL, else on the embedded PostgreSQL under DATA_DIR, whether or not the server runs.
 */
import { loadConfig } from '../config.js';
import { createConsoleLogger } from '../logger.js';
import { AUDIT_USAGE, parseAuditArgs, runAuditCommand } from './audit-command.js';
import { openDatabaseTarget } from './database-target.js';

const args = process.argv.slice(2);
if (!parseAuditArgs(args)) {
  console.error(AUDIT_USAGE);
  process.exitCode = 2;
} else {
  const config = loadConfig();
  const target = await openDatabaseTarget(config, createConsoleLogger(config, 'stderr'));
  try {
    process.exitCode = await runAuditCommand(args, target.url, {
      log: (line) => process.stdout.write(`${line}\n`),
      error: (line) => console.error(line),
    });
  } finally {
    await target.close();
  }
}
