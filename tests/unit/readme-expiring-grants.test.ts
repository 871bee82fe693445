import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.js';
import { readmeBlocks } from '../support/readme-blocks.js';

/** The README's expiring-grant examples are pasted into GraphiQL as written: each must be valid against the schema. */
describe("the README's expiring grant examples", () => {
  it('are valid operations of the schema and show expiresAt', async () => {
    const blocks = (await readmeBlocks('## Access until a date')).filter((b) => b.language === 'graphql');
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const schema = buildSchema();
    for (const block of blocks) expect(validate(schema, parse(block.text)).map((e) => e.message), block.text).toEqual([]);
    expect(blocks.map((b) => b.text).join('\n')).toMatch(/expiresAt: "\d{4}-\d\d-\d\dT/);
  });
});
