import { createDatabase } from '../infra/db/database.js';
import { listParked, replayAllParked, replayParked, ReplayError, type ReplayResult } from '../outbox/parked-events.js';

export const OUTBOX_USAGE = 'usage: npm run outbox -- list-parked | replay <seq> | replay --all';

export interface CommandOutput {
  log(line: string): void;
  error(line: string): void;
}

function describe(result: ReplayResult): string {
  const outcome = result.replaySeq
    ? `re-appended ${result.kept} update(s) as event ${result.replaySeq}`
    : 'nothing left to apply: later events decide every relationship it touched';
  return `event ${result.seq} replayed: ${outcome}; ${result.dropped} superseded update(s) dropped`;
}

export function isOutboxCommand(args: readonly string[]): boolean {
  const [command, target] = args;
  if (command === 'list-parked') return args.length === 1;
  return command === 'replay' && args.length === 2 && target !== undefined && (target === '--all' || /^\d+$/.test(target));
}

/** The `outbox` operator command; returns the exit code. Separate from the entry point so tests run it in-process. */
export async function runOutboxCommand(args: readonly string[], databaseUrl: string, out: CommandOutput): Promise<number> {
  if (!isOutboxCommand(args)) {
    out.error(OUTBOX_USAGE);
    return 2;
  }
  const [command, target] = args;
  const database = createDatabase(databaseUrl, undefined, 2);
  try {
    if (command === 'list-parked') {
      const parked = await listParked(database.db);
      if (parked.length === 0) out.log('no parked events');
      for (const p of parked) {
        out.log([p.seq, p.createdAt.toISOString(), p.tenantId ?? '-', p.eventType, `attempts=${p.attempts}`, p.lastError ?? ''].join('\t'));
      }
      return 0;
    }
    const results = target === '--all' ? await replayAllParked(database.db) : [await replayParked(database.db, target ?? '')];
    if (results.length === 0) out.log('no parked events');
    for (const result of results) out.log(describe(result));
    return 0;
  } catch (error) {
    if (!(error instanceof ReplayError)) throw error;
    out.error(error.message);
    return 1;
  } finally {
    await database.close();
  }
}
