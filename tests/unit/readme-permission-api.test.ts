import { parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../src/graphql/schema.js';
import { readmeBlocks } from '../support/readme-blocks.js';

/** The README's permission API examples are what a user pastes into GraphiQL: each must be valid against the schema. */
describe("the README's permission API examples", () => {
  it('are valid operations of the schema, one for each field', async () => {
    const blocks = (await readmeBlocks('## Permission API for other services')).filter((b) => b.language === 'graphql');
    const schema = buildSchema();
    for (const block of blocks) expect(validate(schema, parse(block.text)).map((e) => e.message), block.text).toEqual([]);
    const all = blocks.map((b) => b.text).join('\n');
    for (const field of ['checkPermissions', 'accessibleWorkspaces', 'accessExplanation', 'usersWithAccess']) expect(all).toContain(`${field}(`);
  });
});
