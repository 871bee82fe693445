/**
 * A relay in a process of its own, for the kill test. Env: DATABASE_URL, SPICEDB_ENDPOINT (a
 * spicedb-grpc-bridge), HANG_AFTER_WRITE. After each WriteRelationships it prints `wrote <n>`; after
 * write number HANG_AFTER_WRITE it hangs before the relay may mark that event applied, so the
 * parent can look at the state and SIGKILL it exactly between the SpiceDB write and the
 * PostgreSQL bookkeeping.
 */
import { connectRemoteSpiceDb } from '../../src/infra/spicedb/connect.js';
import type { TupleUpdate } from '../../src/infra/spicedb/relationships.js';
import { createLogger } from '../../src/logger.js';
import { PgNotifier } from '../../src/infra/db/pg-notifier.js';
import { OutboxRelay } from '../../src/outbox/relay.js';

const url = process.env.DATABASE_URL ?? '';
const spicedb = connectRemoteSpiceDb({ endpoint: process.env.SPICEDB_ENDPOINT ?? '', token: 'x', insecure: true });
const hangAfter = Number(process.env.HANG_AFTER_WRITE ?? '0');
const logger = createLogger('silent');
let writes = 0;

const notifier = new PgNotifier({ connectionString: url, logger });
await notifier.start();
const relay = new OutboxRelay({
  connectionString: url,
  notifier,
  logger,
  pollIntervalMs: 50,
  batchSize: 100,
  maxAttempts: 3,
  backoff: { baseMs: 10, maxMs: 80 },
  spicedb: {
    async write(updates: TupleUpdate[]) {
      const token = await spicedb.write(updates);
      writes += 1;
      process.stdout.write(`wrote ${writes}\n`);
      if (writes === hangAfter) await new Promise((resolve) => setTimeout(resolve, 60_000));
      return token;
    },
  },
});
relay.start();
const announce = setInterval(() => {
  if (relay.isLeader) {
    process.stdout.write(`leader ${relay.backendPid}\n`);
    clearInterval(announce);
  }
}, 5);
