/**
 * Operator commands for the outbox (npm run outbox -- <command>):
 *   list-parked        parked (dead-lettered) events, oldest first
 *   replay <seq>       re-append what is still relevant of one parked event at the tail
 *   replay --all       the same for every parked event, oldest first
 * Works on DATABASE_URL, else on the embedded PostgreSQL under DATA_DIR, whether or not the server
 * runs. The running relay applies replayed events; nothing here talks to SpiceDB. See docs/outbox.md.
 */
import { loadConfig } from '../config.js';
import { createConsoleLogger } from '../logger.js';
import { openDatabaseTarget } from './database-target.js';
import { isOutboxCommand, OUTBOX_USAGE, runOutboxCommand } from './outbox-command.js';

const args = process.argv.slice(2);
if (!isOutboxCommand(args)) {
  console.error(OUTBOX_USAGE);
  process.exitCode = 2;
} else {
  const config = loadConfig();
  const target = await openDatabaseTarget(config, createConsoleLogger(config, 'stderr'));
  try {
    process.exitCode = await runOutboxCommand(args, target.url, {
      log: (line) => console.log(line),
      error: (line) => console.error(line),
    });
  } finally {
    await target.close();
  }
}
