import type { SeededTenant } from './seed.js';

export interface Scenario {
  /** Short key, used in the JSON results. */
  key: string;
  title: string;
  /** Distinct per scenario, so the service's `graphql_request` lines can be told apart. */
  operationName: string;
  query: string;
  variables: Record<string, unknown>;
  authenticated: boolean;
  /** Checks one response's `data`; returns what it contained, for the report. Throws when wrong. */
  check(data: unknown): string;
}

const CHILDREN_3 = `query Children3($id: ID!) {
  workspace(id: $id) { id name children { nodes { id name children { nodes { id name children { nodes { id name } } } } } } }
}`;
const PARENT_2 = `query Parent2($id: ID!) { workspace(id: $id) { parent { parent { name } } } }`;
const LIST_50 = `query List50($tenantId: ID!) {
  workspaces(tenantId: $tenantId, first: 50) { nodes { id name } pageInfo { hasNextPage endCursor } }
}`;

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

/** How many objects with an `id` the response holds. */
function countIds(data: unknown): number {
  return JSON.stringify(data).match(/"id":/g)?.length ?? 0;
}

export function scenariosFor(seed: SeededTenant, fanOut: number): Scenario[] {
  const threeLevels = 1 + fanOut + fanOut ** 2 + fanOut ** 3;
  const grandparent = seed.leafName.split('-').slice(0, -2).join('-');
  return [
    {
      key: 'typename-anonymous',
      title: '`{ __typename }`, no credentials',
      operationName: 'CeilingAnonymous',
      query: 'query CeilingAnonymous { __typename }',
      variables: {},
      authenticated: false,
      check(data) {
        expect(JSON.stringify(data) === '{"__typename":"Query"}', `unexpected data ${JSON.stringify(data)}`);
        return '__typename';
      },
    },
    {
      key: 'typename',
      title: '`{ __typename }`, API key',
      operationName: 'Ceiling',
      query: 'query Ceiling { __typename }',
      variables: {},
      authenticated: true,
      check(data) {
        expect(JSON.stringify(data) === '{"__typename":"Query"}', `unexpected data ${JSON.stringify(data)}`);
        return '__typename';
      },
    },
    {
      key: 'parent-2-levels',
      title: '`parent { parent { name } }` of a leaf',
      operationName: 'Parent2',
      query: PARENT_2,
      variables: { id: seed.leafId },
      authenticated: true,
      check(data) {
        const expected = JSON.stringify({ workspace: { parent: { parent: { name: grandparent } } } });
        expect(JSON.stringify(data) === expected, `expected ${expected}, got ${JSON.stringify(data)}`);
        return '3 workspaces';
      },
    },
    {
      key: 'list-50',
      title: '`workspaces(tenantId, first: 50)`',
      operationName: 'List50',
      query: LIST_50,
      variables: { tenantId: seed.tenantId },
      authenticated: true,
      check(data) {
        const nodes = countIds(data);
        expect(nodes === 50, `expected 50 workspaces, got ${nodes}`);
        expect(JSON.stringify(data).includes('"hasNextPage":true'), 'expected another page');
        return `50 of ${seed.workspaces.toLocaleString('en-US')} workspaces`;
      },
    },
    // Last: it can keep the service busy long after its window (see docs/benchmarks.md).
    {
      key: 'children-3-levels',
      title: '3 levels of `children` from the root',
      operationName: 'Children3',
      query: CHILDREN_3,
      variables: { id: seed.rootId },
      authenticated: true,
      check(data) {
        const nodes = countIds(data);
        expect(nodes === threeLevels, `expected ${threeLevels} workspaces, got ${nodes}`);
        return `${nodes.toLocaleString('en-US')} workspaces`;
      },
    },
  ];
}
