import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { nestedDepth } from '../../src/graphql/selection-depth.js';

const schema = buildSchema(`type Node { name: String parent: Node } type Query { node: Node }`);

/** Runs a query and reports nestedDepth as seen by the outermost `parent` resolver. */
async function depthSeen(query: string): Promise<number | undefined> {
  let seen: number | undefined;
  const node = {
    name: 'n',
    parent: (_: unknown, __: unknown, info: GraphQLResolveInfo) => {
      seen ??= nestedDepth(info, 'parent');
      return null;
    },
  };
  await graphql({ schema, source: query, rootValue: { node } });
  return seen;
}

describe('nestedDepth', () => {
  it.each([
    ['{ node { parent { name } } }', 1],
    ['{ node { parent { parent { parent { name } } } } }', 3],
    ['{ node { parent { name ...F } } } fragment F on Node { parent { parent { name } } }', 3],
    ['{ node { parent { ... on Node { parent { name } } } } }', 2],
    ['{ node { parent { a: parent { name } b: parent { parent { name } } } } }', 3],
  ])('%s → %i', async (query, expected) => {
    expect(await depthSeen(query)).toBe(expected);
  });

  it('is linear in fragments that spread each other twice', async () => {
    // Each Fi spreads F(i+1) twice; a walk that re-reads every spread does 2^40 steps here.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i + 1 < levels ? `fragment F${i} on Node { name ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Node { parent { parent { name } } }`,
    );
    expect(await depthSeen(`{ node { parent { ...F0 } } } ${fragments.join(' ')}`)).toBe(3);
  });
});
