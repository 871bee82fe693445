import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { embeddedLayout, startEmbeddedPostgres } from '../../src/infra/db/embedded-postgres.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from './free-port.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
  }
}

/**
 * One PostgreSQL server per test run: the embedded one, or the server in TEST_DATABASE_URL for the
 * `external-pg` project. Each test file then creates its own database on it (see database.ts).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (project.config.env?.PG_TARGET === 'external') {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('PG_TARGET=external needs TEST_DATABASE_URL');
    project.provide('pgAdminUrl', url);
    return async () => undefined;
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'iam-test-pg-'));
  const server = await startEmbeddedPostgres({
    dataDir,
    port: await freePort(),
    database: 'postgres',
    logger: createLogger('silent'),
  });
  project.provide('pgAdminUrl', server.url);
  return async () => {
    await server.stop();
    // As root the cluster may live under the temp dir rather than in dataDir (see embeddedLayout).
    await rm(embeddedLayout(dataDir).clusterDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  };
}
