import { z } from 'zod';
import { BadInputError } from './shared/errors.js';
import { validateName } from './shared/names.js';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

/** A name the service stores (tenant, root workspace): the same rules as names sent through the API. */
const displayName = z.string().transform((value, ctx) => {
  try {
    return validateName('value', value);
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    ctx.addIssue({ code: 'custom', message: `${error.message} (${error.reason ?? 'invalid'})` });
    return z.NEVER;
  }
});

const schema = z.object({
  NODE_ENV: z.string().default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** `npm run gateway` listens here (on HOST); PORT stays the iam subgraph's, which it routes to. */
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(4080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: readable lines in a terminal, JSON when piped or in production. */
  LOG_FORMAT: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.enum(['json', 'pretty']).optional()),
  DATA_DIR: z.string().default('./.data'),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),

  DATABASE_URL: optionalString,
  DATABASE_READ_URL: optionalString,
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),

  SPICEDB_ENDPOINT: optionalString,
  SPICEDB_TOKEN: optionalString,
  SPICEDB_INSECURE: bool.default(false),
  /** Datastore of the embedded SpiceDB: PostgreSQL (schema `spicedb` of the service's database) or memory. */
  SPICEDB_DATASTORE: z.enum(['postgres', 'memory']).default('postgres'),
  /** Permission answers kept process-wide, per tenant of the resource (answer-cache.ts; 0 turns the cache off). */
  AUTHZ_CACHE_MAX_ENTRIES: z.coerce.number().int().min(0).default(100_000),

  OIDC_ISSUER: optionalString,
  OIDC_AUDIENCE: optionalString,
  OIDC_JWKS_URL: optionalString,
  /** Tokens from `npm run token` (src/auth/local-sign-in/policy.ts): auto = on the embedded defaults in development. */
  LOCAL_SIGN_IN: z.enum(['auto', 'on', 'off']).default('auto'),

  ALLOW_TENANT_CREATION: bool.default(true),
  /**
   * true: nobody becomes a tenant member without accepting an invitation (addTenantMember is refused
   * with INVITATION_REQUIRED). Recommended wherever ALLOW_TENANT_CREATION lets anyone create a tenant.
   */
  MEMBERSHIP_REQUIRES_ACCEPTANCE: bool.default(false),
  DEFAULT_TENANT_NAME: displayName.default('default'),
  DEFAULT_WORKSPACE_NAME: displayName.default('Root'),
  MAX_WORKSPACE_DEPTH: z.coerce.number().int().min(1).max(50).default(10),
  BOOTSTRAP_ADMIN_USERNAME: z.string().trim().min(1).max(255).default('bootstrap-admin'),

  ROUTER_SECRET: optionalString,
  GRAPHIQL: bool.optional(),
  INTROSPECTION: bool.optional(),

  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(50).default(2000),
  OUTBOX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  OUTBOX_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(1000).default(8),
  OUTBOX_BACKOFF_BASE_MS: z.coerce.number().int().min(1).default(250),
  OUTBOX_BACKOFF_MAX_MS: z.coerce.number().int().min(1).default(60_000),
  AUTHZ_SYNC_WAIT_MS: z.coerce.number().int().min(0).default(5000),
  /** How long audit entries are kept (GCP's figure for admin activity); the relay leader purges older ones daily. */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(1).default(400),
  /** At most this many DENIED entries per principal and minute: a loop of refusals cannot flood the log. */
  AUDIT_DENIED_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  /** How long a deleted workspace stays in the trash, restorable, before the relay leader purges it. */
  WORKSPACE_RETENTION_DAYS: z.coerce.number().int().min(1).default(30),
  /** How far ahead an expiring grant's `expiresAt` may lie (issue 20): further is EXPIRY_TOO_FAR. */
  MAX_GRANT_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  /**
   * How often the relay leader deletes expired grants (with their audit entries). Access does not
   * wait for it: SpiceDB and every read stop counting a grant at its end. 0: never by itself.
   */
  GRANT_EXPIRY_SWEEP_MS: z.coerce.number().int().min(0).default(5000),

  // Defence in depth against expensive requests; docs/security.md explains each limit and its default.
  GRAPHQL_MAX_TOKENS: z.coerce.number().int().min(100).default(5000),
  GRAPHQL_MAX_ALIASES: z.coerce.number().int().min(0).default(30),
  GRAPHQL_MAX_DEPTH: z.coerce.number().int().min(2).default(40),
  GRAPHQL_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  GRAPHQL_MAX_FIELDS: z.coerce.number().int().min(1).default(1000),
  GRAPHQL_MAX_COST: z.coerce.number().int().min(1).default(250_000),
  GRAPHQL_MAX_ROWS: z.coerce.number().int().min(1).default(25_000),
  GRAPHQL_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  GRAPHQL_DOCUMENT_CACHE_BYTES: z.coerce.number().int().min(0).default(32 * 1024 * 1024),
  GRAPHQL_APQ_CACHE_BYTES: z.coerce.number().int().min(0).default(8 * 1024 * 1024),
  GRAPHQL_SUGGESTIONS: bool.optional(),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(512 * 1024),
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  METRICS_MAX_OPERATIONS: z.coerce.number().int().min(0).default(100),
});

export type Env = z.infer<typeof schema>;

export interface Config extends Env {
  isProduction: boolean;
  /** Embedded PostgreSQL when no DATABASE_URL is given. */
  embeddedPostgres: boolean;
  /** Embedded SpiceDB when no SPICEDB_ENDPOINT is given. */
  embeddedSpiceDb: boolean;
  graphiqlEnabled: boolean;
  introspectionEnabled: boolean;
  /** "Did you mean …" in validation errors; they reveal the schema, so off in production. */
  suggestionsEnabled: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${details}`);
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === 'production';
  if (e.OIDC_AUDIENCE && !e.OIDC_ISSUER) throw new ConfigError('OIDC_AUDIENCE needs OIDC_ISSUER');
  if (e.OIDC_ISSUER && !e.OIDC_AUDIENCE) throw new ConfigError('OIDC_ISSUER needs OIDC_AUDIENCE');
  // Asked for by name where it can never be on: say so rather than start without it.
  if (e.LOCAL_SIGN_IN === 'on' && (isProduction || e.OIDC_ISSUER)) {
    throw new ConfigError(`LOCAL_SIGN_IN=on is for development only: it cannot be combined with ${isProduction ? 'NODE_ENV=production' : 'OIDC_ISSUER'}`);
  }
  return {
    ...e,
    isProduction,
    embeddedPostgres: e.DATABASE_URL === undefined,
    embeddedSpiceDb: e.SPICEDB_ENDPOINT === undefined,
    graphiqlEnabled: e.GRAPHIQL ?? !isProduction,
    introspectionEnabled: e.INTROSPECTION ?? !isProduction,
    suggestionsEnabled: e.GRAPHQL_SUGGESTIONS ?? !isProduction,
  };
}
