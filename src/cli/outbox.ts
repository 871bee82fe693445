/**
 * Operator commands for the outbox (npm run outbox -- <command>):
 *   list-parked        parked (dead-lettered) events, oldest first
 *   replay <seq>       re-append what is still relevant of one parked event at the tail
 *   replay --all       the same for every parked event, oldest first
 * Reads DATABASE_URL. The running relay applies replayed events; nothing here talks to SpiceDB.
 * See docs/outbox.md.
 */
import { runOutboxCommand } from './outbox-command.js';

process.exitCode = await runOutboxCommand(process.argv.slice(2), process.env.DATABASE_URL, {
  log: (line) => console.log(line),
  error: (line) => console.error(line),
});
