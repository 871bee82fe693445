import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../migrations/index.js';
import { checkNumbering } from '../../src/infra/db/migrator.js';

const files = readdirSync(MIGRATIONS.dir);
const sqlNames = files.filter((f) => f.endsWith('.sql'));
const codeNames = MIGRATIONS.code.map((m) => m.name);

describe('migration numbering', () => {
  it('gives every migration of the service its own number, but for the three 0003 files already applied', () => {
    expect(() => checkNumbering([...sqlNames, ...codeNames], MIGRATIONS.sharedNumbers)).not.toThrow();
    expect(MIGRATIONS.sharedNumbers.every((name) => sqlNames.includes(name))).toBe(true);
  });

  it('registers every code migration of the folder under its file name, and nothing else', () => {
    const codeFiles = files.filter((f) => /^\d{4}_.*\.ts$/.test(f)).map((f) => f.replace(/\.ts$/, ''));
    expect([...codeNames].sort()).toEqual(codeFiles.sort());
  });

  it('refuses a second migration with a number already taken, of either kind', () => {
    const current = [...sqlNames, ...codeNames];
    expect(() => checkNumbering([...current, '0005_another.sql'], MIGRATIONS.sharedNumbers)).toThrow(/numbered 0005/);
    expect(() => checkNumbering([...current, '0006_more_grants'], MIGRATIONS.sharedNumbers)).toThrow(/numbered 0006/);
    expect(() => checkNumbering([...current, '0003_late_arrival.sql'], MIGRATIONS.sharedNumbers)).toThrow(/numbered 0003/);
    expect(() => checkNumbering([...current, '0099_next.sql', '0099_next_too'], MIGRATIONS.sharedNumbers)).toThrow(/numbered 0099/);
    expect(() => checkNumbering([...current, '0099_next.sql'], MIGRATIONS.sharedNumbers)).not.toThrow();
  });

  it('refuses a migration not named NNNN_words', () => {
    expect(() => checkNumbering(['7_short.sql'], [])).toThrow(/not named/);
    expect(() => checkNumbering(['0007-dashes.sql'], [])).toThrow(/not named/);
  });
});
