import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from '../../src/infra/db/timestamp-parser.js';

const standard = pg.types.getTypeParser(1184, 'text') as (text: string) => Date | number | null;

describe('parseTimestamptz', () => {
  it('reads what PostgreSQL prints exactly as pg does', () => {
    for (const text of [
      '2026-11-26 15:56:50.123456+00',
      '2026-11-26 15:56:50+00',
      '2026-11-26 15:56:50.1+02',
      '1999-12-31 23:59:59.999999-08',
      '2024-02-29 00:00:00.5+05:30',
      '2024-02-29 00:00:00.000001-03:30',
    ]) {
      expect(parseTimestamptz(text), text).toEqual(standard(text));
    }
  });

  it('hands everything else to pg', () => {
    for (const text of ['infinity', '-infinity', '0099-01-01 00:00:00+00', '2000-01-01 00:00:00 BC+00', '1900-01-01 00:00:00+00:19:32', 'garbage']) {
      expect(parseTimestamptz(text), text).toEqual(standard(text));
    }
  });
});
