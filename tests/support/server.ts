import { loadConfig } from '../../src/config.js';
import { createLogger, type Logger } from '../../src/logger.js';
import { startRuntime, type Runtime, type RuntimeOverrides } from '../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; path?: string[]; extensions: { code: string; reason?: string; field?: string } }[] | undefined;
  headers: Headers;
}

export interface TestServer {
  runtime: Runtime;
  database: TestDatabase;
  url: string;
  adminKey: string;
  /** POSTs a GraphQL request over real HTTP. */
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** Same, authenticated with the bootstrap admin's API key. */
  asAdmin<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  stop(): Promise<void>;
}

/** The real service on a real port, on its own database and an embedded SpiceDB. */
export async function startTestServer(
  env: Record<string, string> = {},
  overrides: RuntimeOverrides & { logger?: Logger; readFromSecondPool?: boolean } = {},
): Promise<TestServer> {
  const database = await createTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    DATABASE_URL: database.url,
    // A second pool on the same server stands in for a replica: it exercises the read routing.
    ...(overrides.readFromSecondPool ? { DATABASE_READ_URL: database.url } : {}),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    OUTBOX_POLL_INTERVAL_MS: '200',
    ...env,
  });
  const runtime = await startRuntime(config, overrides.logger ?? createLogger(config.LOG_LEVEL), overrides);
  const adminKey = runtime.bootstrap.adminApiKey;
  if (!adminKey) throw new Error('bootstrap did not issue an admin key');
  const gql = async <T>(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> => {
    const response = await fetch(runtime.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
    return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
  };
  return {
    runtime,
    database,
    url: runtime.url,
    adminKey,
    gql,
    asAdmin: (query, variables) => gql(query, variables, { 'x-api-key': adminKey }),
    async stop() {
      await runtime.stop();
      await database.drop();
    },
  };
}
