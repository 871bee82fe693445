import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp } from './app.js';
import { createAuthenticator } from './auth/authenticate.js';
import { identitySources } from './auth/identity-sources.js';
import { bootstrap, type BootstrapResult } from './bootstrap/bootstrap.js';
import type { Config } from './config.js';
import { createDatabase, type DatabaseHandles } from './infra/db/database.js';
import { EMBEDDED_DATABASE, startEmbeddedPostgres, type EmbeddedPostgresHandle } from './infra/db/embedded-postgres.js';
import { migrate } from './infra/db/migrator.js';
import { MIGRATIONS } from '../migrations/index.js';
import { connectRemoteSpiceDb, readSchemaFile, startEmbeddedSpiceDbProcess } from './infra/spicedb/connect.js';
import type { EmbeddedSpiceDbProcess } from './infra/spicedb/embedded/embedded-process.js';
import type { SpiceDb } from './infra/spicedb/spicedb.js';
import { RequestMetrics } from './http/metrics.js';
import type { Logger } from './logger.js';
import { ApplyWaiter } from './outbox/apply-waiter.js';
import { PgNotifier } from './infra/db/pg-notifier.js';
import { rebuildSpiceDb } from './relationships/rebuild.js';
import { syncEmbeddedSpiceDb } from './relationships/startup-sync.js';
import { OutboxRelay, relaySettings } from './outbox/relay.js';
import { outboxBacklog } from './outbox/outbox.repository.js';
import { outboxPort } from './outbox/outbox-port.js';
import { createServices, serviceSettings, type Services } from './services.js';
import { writeSchemaWhenReachable } from './infra/spicedb/schema-writer.js';
import { localOrigin } from './shared/local-address.js';

export interface Runtime {
  app: FastifyInstance;
  url: string;
  database: DatabaseHandles;
  databaseUrl: string;
  spicedb: SpiceDb;
  /** The embedded SpiceDB's process, when this runtime started one. */
  embeddedSpiceDb: EmbeddedSpiceDbProcess | undefined;
  relay: OutboxRelay;
  bootstrap: BootstrapResult;
  services: Services;
  stop(): Promise<void>;
}

export interface RuntimeOverrides {
  /** Tests pass their own SpiceDB (e.g. one shared with another process). */
  spicedb?: SpiceDb;
  /** Tests give the relay its own path to SpiceDB, to fail the relay's writes while checks still work. */
  relaySpiceDb?: SpiceDb;
  /** Tests step the retention purges' clock forward. */
  clock?: () => Date;
}

/**
 * Starts the whole service: PostgreSQL (embedded unless DATABASE_URL), migrations, SpiceDB
 * (embedded unless SPICEDB_ENDPOINT) with schema.zed, the outbox relay, bootstrap, and HTTP.
 */
export async function startRuntime(config: Config, logger: Logger, overrides: RuntimeOverrides = {}): Promise<Runtime> {
  const started = Date.now();
  let embeddedPg: EmbeddedPostgresHandle | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embeddedPg = await startEmbeddedPostgres({ dataDir: config.DATA_DIR, port: config.EMBEDDED_POSTGRES_PORT, database: EMBEDDED_DATABASE, logger });
    databaseUrl = embeddedPg.url;
  }
  const database = createDatabase(databaseUrl, config.DATABASE_READ_URL, config.DATABASE_POOL_MAX, logger);
  const primaryPool = database.pools[0];
  if (!primaryPool) throw new Error('no database pool');
  const applied = await migrate(primaryPool, MIGRATIONS, { logger });
  if (applied.length > 0) logger.info({ event: 'migrations_applied', migrations: applied }, 'migrations applied');

  const schema = await readSchemaFile();
  let spicedb: SpiceDb;
  let embedded: EmbeddedSpiceDbProcess | undefined;
  if (overrides.spicedb) {
    spicedb = overrides.spicedb;
    await writeSchemaWhenReachable(spicedb, schema, logger);
  } else if (config.embeddedSpiceDb) {
    const datastore = config.SPICEDB_DATASTORE;
    const started = await startEmbeddedSpiceDbProcess({
      datastore,
      databaseUrl,
      logger,
      // A restarted process on the memory datastore is empty again; on PostgreSQL it lost nothing.
      recover: async (restarted) => {
        await restarted.writeSchema(schema);
        if (datastore === 'memory') await rebuildSpiceDb(database.db, restarted, logger);
      },
    });
    spicedb = started.spicedb;
    embedded = started.process;
    await spicedb.writeSchema(schema);
    await syncEmbeddedSpiceDb(datastore, { db: database.db, spicedb, databaseUrl, logger });
  } else {
    spicedb = connectRemoteSpiceDb({ endpoint: config.SPICEDB_ENDPOINT ?? '', token: config.SPICEDB_TOKEN ?? '', insecure: config.SPICEDB_INSECURE });
    await writeSchemaWhenReachable(spicedb, schema, logger);
  }
  const embeddedSpiceDb = embedded !== undefined;

  const notifier = new PgNotifier({ connectionString: databaseUrl, logger });
  await notifier.start();
  const relay = new OutboxRelay({ connectionString: databaseUrl, spicedb: overrides.relaySpiceDb ?? spicedb, notifier, logger, ...relaySettings(config) });
  const metrics = new RequestMetrics(() => relay.stats(), () => outboxBacklog(database.db), config.METRICS_MAX_OPERATIONS);
  relay.start();
  const waiter = new ApplyWaiter(primaryPool, notifier);
  const services = createServices({ db: database.db, outbox: outboxPort(waiter), logger, settings: serviceSettings(config), ...(overrides.clock ? { clock: overrides.clock } : {}) });
  // The leader's duties, one after the other: the expired grants' sweep (every GRANT_EXPIRY_SWEEP_MS), then the daily retention.
  relay.assignLeaderDuty(async () => {
    await services.grantExpiry.duty();
    await services.retention.duty();
  });

  const bootstrapped = await bootstrap(services, { tenantName: config.DEFAULT_TENANT_NAME, adminUsername: config.BOOTSTRAP_ADMIN_USERNAME }, logger);
  // The key we print must work in the very first request, so SpiceDB has to know the admin first:
  // the bootstrap's unit of work waited for it.
  if (!bootstrapped.authorizationSynced) {
    logger.warn({ event: 'bootstrap_authorization_pending' }, 'bootstrap committed; SpiceDB has not applied it yet');
  }
  if (bootstrapped.adminApiKey) await announceBootstrapKey(bootstrapped.adminApiKey, config, embeddedPg !== undefined, logger);

  const signIn = await identitySources(config, logger);
  const authenticator = createAuthenticator({ db: database.db, jwt: signIn.jwt, logger });
  let stopping = false;
  const { app } = await buildApp({
    config, logger, db: database.db, readDb: database.readDb, spicedb, authenticator, services, metrics, isStopping: () => stopping,
    localSigningKey: signIn.localKey,
  });
  if (config.isProduction && !config.ROUTER_SECRET) {
    // _service { sdl } cannot be switched off (the router composes with it): only the secret keeps it private.
    logger.warn({ event: 'router_secret_missing' }, 'NODE_ENV=production without ROUTER_SECRET: anyone who reaches this port can read the schema through _service');
  }
  const address = await app.listen({ host: config.HOST, port: config.PORT });
  const url = `${address.replace('[::1]', '127.0.0.1')}/graphql`;
  signIn.listening(localOrigin(config.HOST, (app.server.address() as AddressInfo).port));
  logger.info({ event: 'server_started', url, startupMs: Date.now() - started, embeddedPostgres: !!embeddedPg, embeddedSpiceDb }, `iam-subgraph listening on ${url}`);

  return {
    app, url, database, databaseUrl, spicedb, embeddedSpiceDb: embedded, relay, bootstrap: bootstrapped, services,
    async stop() {
      stopping = true;
      // Drain HTTP first (in-flight requests finish), then let the relay finish its batch.
      // close() ends keep-alive connections idle when it starts; one whose request was still running
      // turns idle later and would hold the drain until its client or the keep-alive timeout ends it.
      const sweep = setInterval(() => app.server.closeIdleConnections(), 50);
      await app.close().finally(() => clearInterval(sweep));
      await relay.stop();
      await authenticator.flush();
      await notifier.close();
      // SpiceDB before PostgreSQL: its datastore lives there.
      if (embedded) await embedded.stop();
      else if (!overrides.spicedb) spicedb.close();
      await database.close();
      await embeddedPg?.stop();
      logger.info({ event: 'server_stopped' }, 'iam-subgraph stopped');
    },
  };
}

async function announceBootstrapKey(key: string, config: Config, embedded: boolean, logger: Logger): Promise<void> {
  // Plain text on stdout, once, so a developer (or a deploy script) can pick it up; never in the JSON log.
  process.stdout.write(`Bootstrap admin API key: ${key}\n`);
  if (!embedded) return;
  const file = path.resolve(config.DATA_DIR, 'bootstrap-admin-api-key');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  logger.info({ event: 'bootstrap_key_written', file }, 'bootstrap admin API key written');
}
