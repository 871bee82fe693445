/**
 * Operator commands for the outbox (npm run outbox -- <command>):
 *   list-parked        parked (dead-lettered) events, oldest first
 *   replay <seq>       re-append what is still relevant of one parked event at the tail
 *   replay --all       the same for every parked event, oldest first
 * Reads DATABASE_URL. The running relay applies replayed events; nothing here talks to SpiceDB.
 */
import { createDatabase } from '../infra/db/database.js';
import { listParked, replayAllParked, replayParked, ReplayError, type ReplayResult } from '../outbox/replay.js';

const USAGE = 'usage: npm run outbox -- list-parked | replay <seq> | replay --all';

function describe(result: ReplayResult): string {
  const outcome = result.replaySeq
    ? `re-appended ${result.kept} update(s) as event ${result.replaySeq}`
    : 'nothing left to apply: later events decide every relationship it touched';
  return `event ${result.seq} replayed: ${outcome}; ${result.dropped} superseded update(s) dropped`;
}

async function main(args: string[]): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is not set (for the embedded server: postgres://postgres:postgres@127.0.0.1:<EMBEDDED_POSTGRES_PORT>/<database>)');
    return 2;
  }
  const [command, target] = args;
  if (command !== 'list-parked' && command !== 'replay') {
    console.error(USAGE);
    return 2;
  }
  if (command === 'replay' && (!target || (target !== '--all' && !/^\d+$/.test(target)))) {
    console.error(USAGE);
    return 2;
  }
  const database = createDatabase(url, undefined, 2);
  try {
    if (command === 'list-parked') {
      const parked = await listParked(database.db);
      if (parked.length === 0) console.log('no parked events');
      for (const p of parked) {
        console.log(
          [p.seq, p.createdAt.toISOString(), p.tenantId ?? '-', p.eventType, `attempts=${p.attempts}`, p.lastError ?? ''].join('\t'),
        );
      }
      return 0;
    }
    const results = target === '--all' ? await replayAllParked(database.db) : [await replayParked(database.db, target ?? '')];
    if (results.length === 0) console.log('no parked events');
    for (const result of results) console.log(describe(result));
    return 0;
  } catch (error) {
    if (error instanceof ReplayError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await database.close();
  }
}

process.exitCode = await main(process.argv.slice(2));
