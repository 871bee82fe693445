import { getIntrospectionQuery, parse, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../src/graphql/limits/query-cost.js';
import { buildSchema } from '../../src/graphql/schema.js';

const schema = buildSchema();

function cost(query: string, variables?: Record<string, unknown>): number {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (!operation) throw new Error('no operation');
  return estimateCost(schema, document, operation, variables);
}

describe('estimateCost', () => {
  it('counts every object once outside lists; leaf fields are free', () => {
    expect(cost('{ viewer { user { id username } } }')).toBe(2);
    expect(cost('{ viewer { user { id } } __typename }')).toBe(2);
  });

  it('multiplies what a connection lists by its first, or the default page size', () => {
    expect(cost('{ workspaces(tenantId: "t", first: 10) { nodes { id name } } }')).toBe(1 + 10);
    expect(cost('{ workspaces(tenantId: "t") { nodes { id } pageInfo { hasNextPage } } }')).toBe(1 + 50 + 1);
    const nested = '{ workspace(id: "w") { children(first: 10) { nodes { children(first: 10) { nodes { id } } } } } }';
    expect(cost(nested)).toBe(1 + 1 + 10 * (1 + 1 + 10));
  });

  it('reads page sizes from variables and their defaults', () => {
    const query = 'query($n: Int = 7) { workspaces(tenantId: "t", first: $n) { nodes { id } } }';
    expect(cost(query)).toBe(1 + 7);
    expect(cost(query, { n: 3 })).toBe(1 + 3);
    // A size the resolver will refuse counts as the largest page it allows.
    expect(cost(query, { n: 10_000 })).toBe(1 + 500);
  });

  it('counts _entities by the number of representations', () => {
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Workspace { id name } } }';
    expect(cost(query, { r: Array.from({ length: 25 }, () => ({ __typename: 'Workspace', id: 'x' })) })).toBe(25);
  });

  it('is linear in fragments that spread each other twice, as execution is', () => {
    const levels = 200;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i + 1 < levels ? `fragment F${i} on Workspace { id ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Workspace { parent { id } }`,
    );
    const started = performance.now();
    // Counted naively, the one `parent` at the bottom would count 2^199 times.
    expect(cost(`{ workspace(id: "w") { ...F0 } } ${fragments.join(' ')}`)).toBe(1 + 1);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('counts introspection flat: graphql-js already refuses nested introspection lists', () => {
    // Its fragments expanded, GraphiQL's introspection query selects ~100 object fields; multiplied
    // by list sizes (types × fields × args …) it would count in the millions.
    expect(cost(getIntrospectionQuery())).toBeLessThan(500);
  });
});
