import { defineConfig } from 'vitest/config';

const shared = {
  globalSetup: ['tests/support/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // The embedded SpiceDB is a native library; separate processes keep each file's instance apart.
  pool: 'forks' as const,
};

// CI also runs the suites whose outcome can depend on the PostgreSQL server (its version, locale,
// locking and SQL) against the machine's PostgreSQL when TEST_DATABASE_URL is set. Suites about HTTP,
// SpiceDB, timing or child processes gain nothing from a second server and run once.
const SERVER_SENSITIVE = [
  'tests/integration/{db,outbox,relationships}/**/*.test.ts',
  'tests/integration/spicedb/datastore-connections.test.ts',
  'tests/integration/api/{bad-input,access-bad-input,names,workspaces,tenants,tenant-members,tenant-departure,groups,workspace-members,users,accessible-workspaces,invitations}.test.ts',
];
const externalPg = process.env.TEST_DATABASE_URL
  ? [
      {
        extends: true as const,
        test: {
          ...shared,
          name: 'external-pg',
          include: SERVER_SENSITIVE,
          env: { PG_TARGET: 'external' },
        },
      },
    ]
  : [];

export default defineConfig({
  // Node resolves `graphql` to its CommonJS entry (it ignores the "module" field), and so do the
  // CommonJS Apollo packages; Vite would pick index.mjs, a second graphql-js whose schema objects
  // fail instanceof checks against Apollo's ("from another module or realm"). Resolve like Node.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        extends: true as const,
        test: {
          ...shared,
          name: 'embedded-pg',
          include: ['tests/integration/**/*.test.ts'],
          env: { PG_TARGET: 'embedded' },
        },
      },
      ...externalPg,
    ],
  },
});
