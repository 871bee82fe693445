import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../infra/db/database.js';
import type { SpiceDb } from '../infra/spicedb/spicedb.js';

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness says the process answers; readiness that PostgreSQL and SpiceDB answer too. */
export function registerHealthRoutes(app: FastifyInstance, deps: { db: Db; spicedb: SpiceDb; isStopping: () => boolean }): void {
  app.get('/health/live', async () => ({ status: 'ok' }));
  app.get('/health/ready', async (_request, reply) => {
    const [postgres, spicedb] = await Promise.all([
      probe(() => sql`SELECT 1`.execute(deps.db), 2000),
      probe(() => deps.spicedb.readSchema(), 2000),
    ]);
    const ready = postgres.ok && spicedb.ok && !deps.isStopping();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', postgres, spicedb, stopping: deps.isStopping() });
  });
}
