import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREPARED, PREPARED_RAW_TIMESTAMPS } from '../../../src/infra/db/prepared-statements.js';
import { createTestDatabase, type TestDatabase } from '../../support/database.js';

describe('prepared statements', () => {
  let database: TestDatabase;
  const at = '2024-02-29 23:59:59.123456+00';

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.drop());

  it('runs a marked statement as a named prepared one, with the usual types', async () => {
    const text = sql<{ at: Date; n: number }>`${sql.raw(PREPARED)} SELECT ${at}::timestamptz AS at, 42::int AS n`;
    await database.db.connection().execute(async (connection) => {
      const first = await text.execute(connection);
      const again = await text.execute(connection);
      expect(first.rows).toEqual([{ at: new Date('2024-02-29T23:59:59.123Z'), n: 42 }]);
      expect(again.rows).toEqual(first.rows);
      const prepared = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(connection);
      expect(prepared.rows.map((r) => r.statement).filter((s) => s.startsWith(PREPARED))).toHaveLength(1);
    });
  });

  it('leaves timestamptz as PostgreSQL printed it when asked to, and only then', async () => {
    const raw = await sql<{ at: unknown; n: number }>`${sql.raw(PREPARED_RAW_TIMESTAMPS)} SELECT ${at}::timestamptz AS at, 42::int AS n`.execute(database.db);
    expect(raw.rows).toEqual([{ at: '2024-02-29 23:59:59.123456+00', n: 42 }]);
    const plain = await sql<{ at: unknown }>`SELECT ${at}::timestamptz AS at`.execute(database.db);
    expect(plain.rows[0]?.at).toBeInstanceOf(Date);
  });
});
