import { buildSchema, graphql, type GraphQLResolveInfo } from 'graphql';
import { describe, expect, it } from 'vitest';
import { nestedPageArgs } from '../../src/graphql/nested-pages.js';
import type { PageArgs } from '../../src/shared/pagination.js';

const schema = buildSchema(`
  type Node { name: String children(first: Int, after: String): Connection }
  type Connection { nodes: [Node] edges: [Edge] }
  type Edge { node: Node cursor: String }
  type Query { node: Node }
`);

/** Runs a query and reports what the outermost `children` resolver sees below it. */
async function seenBelow(query: string, variableValues: Record<string, unknown> = {}, maxLevels = 10): Promise<PageArgs[] | undefined> {
  let seen: PageArgs[] | undefined;
  const node = {
    name: 'n',
    children: (_: unknown, __: unknown, info: GraphQLResolveInfo) => {
      seen ??= nestedPageArgs(info, 'children', maxLevels);
      return null;
    },
  };
  const result = await graphql({ schema, source: query, rootValue: { node }, variableValues });
  expect(result.errors).toBeUndefined();
  return seen;
}

const none = { first: null, after: null };

describe('nestedPageArgs', () => {
  it.each<[string, PageArgs[]]>([
    ['{ node { children { nodes { name } } } }', []],
    ['{ node { children { nodes { children { nodes { name } } } } } }', [none]],
    ['{ node { children { nodes { children(first: 2) { nodes { children(first: 3, after: "c") { nodes { name } } } } } } } }', [{ first: 2, after: null }, { first: 3, after: 'c' }]],
    ['{ node { children { edges { node { children(first: 4) { nodes { name } } } } } } }', [{ first: 4, after: null }]],
    ['{ node { children { nodes { ...F } } } } fragment F on Node { children(first: 5) { nodes { name } } }', [{ first: 5, after: null }]],
    ['{ node { children { nodes { ... on Node { children { ... on Connection { nodes { children { nodes { name } } } } } } } } } }', [none, none]],
    // The same arguments twice (aliases, or nodes and edges) are one shape.
    ['{ node { children { nodes { a: children(first: 2) { nodes { name } } b: children(first: 2) { edges { cursor } } } } } }', [{ first: 2, after: null }]],
  ])('%s', async (query, expected) => {
    expect(await seenBelow(query)).toEqual(expected);
  });

  it('stops where the shape is not certain', async () => {
    // Different arguments at one level: that level and everything under it load when they run.
    expect(await seenBelow('{ node { children { nodes { a: children(first: 1) { nodes { name } } b: children(first: 2) { nodes { name } } } } } }')).toEqual([]);
    // Under @skip/@include a level may not run at all.
    expect(await seenBelow('{ node { children { nodes { children @include(if: true) { nodes { name } } } } } }')).toEqual([]);
    expect(await seenBelow('{ node { children { nodes { ...F @skip(if: false) } } } } fragment F on Node { children { nodes { name } } }')).toEqual([]);
    expect(await seenBelow('{ node { children { nodes { children { nodes { children @skip(if: true) { nodes { name } } } } } } } }')).toEqual([none]);
  });

  it('reads variables as graphql-js coerces them', async () => {
    const query = 'query($n: Int, $a: String) { node { children { nodes { children(first: $n, after: $a) { nodes { name } } } } } }';
    expect(await seenBelow(query, { n: 7, a: 'x' })).toEqual([{ first: 7, after: 'x' }]);
    expect(await seenBelow(query, {})).toEqual([none]);
  });

  it('looks no further than maxLevels', async () => {
    const deep = '{ node { children { nodes { children { nodes { children { nodes { children { nodes { name } } } } } } } } } }';
    expect(await seenBelow(deep, {}, 2)).toEqual([none, none]);
    expect(await seenBelow(deep, {}, 0)).toEqual([]);
  });

  it('is linear in fragments that spread each other twice', async () => {
    // Each Fi spreads F(i+1) twice; a walk that re-reads every spread does 2^40 steps here.
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i + 1 < levels ? `fragment F${i} on Node { name ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Node { children(first: 9) { nodes { name } } }`,
    );
    expect(await seenBelow(`{ node { children { nodes { ...F0 } } } } ${fragments.join(' ')}`)).toEqual([{ first: 9, after: null }]);
  });
});
