import { defineConfig } from 'vitest/config';

const shared = {
  globalSetup: ['tests/support/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 60_000,
  // The embedded SpiceDB is a native library; separate processes keep each file's instance apart.
  pool: 'forks' as const,
};

// CI also runs the database-heavy suites against the machine's PostgreSQL when TEST_DATABASE_URL is set.
const externalPg = process.env.TEST_DATABASE_URL
  ? [
      {
        test: {
          ...shared,
          name: 'external-pg',
          include: ['tests/integration/{api,outbox,db}/**/*.test.ts'],
          env: { PG_TARGET: 'external' },
        },
      },
    ]
  : [];

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
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
