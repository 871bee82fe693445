import type { Leaf, SeededTenant } from './seed.js';

export type Credential = 'none' | 'admin' | 'member' | 'lister' | 'reader' | 'grouped';

export interface Scenario {
  /** Short key, used in the JSON results. */
  key: string;
  title: string;
  /** Distinct per scenario, so the service's `graphql_request` lines can be told apart. */
  operationName: string;
  query: string;
  /**
   * One variables object per request, taken in turn. With one, every response must equal the
   * verified one; with several (cold walks over many workspaces), each must be a 200 without errors.
   */
  variables: Record<string, unknown>[];
  credential: Credential;
  /** Checks one response's `data` for `variables[index]`; returns what it contained, for the report. Throws when wrong. */
  check(data: unknown, index: number): string;
}

const CHILDREN_3 = `query Children3($id: ID!) {
  workspace(id: $id) { id name children { nodes { id name children { nodes { id name children { nodes { id name } } } } } } }
}`;
const parent2 = (name: string): string => `query ${name}($id: ID!) { workspace(id: $id) { parent { parent { name } } } }`;
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

function typename(key: string, title: string, operationName: string, credential: Credential): Scenario {
  return {
    key,
    title,
    operationName,
    query: `query ${operationName} { __typename }`,
    variables: [{}],
    credential,
    check(data) {
      expect(JSON.stringify(data) === '{"__typename":"Query"}', `unexpected data ${JSON.stringify(data)}`);
      return '__typename';
    },
  };
}

function parentWalk(key: string, title: string, operationName: string, credential: Credential, leaves: Leaf[]): Scenario {
  return {
    key,
    title,
    operationName,
    query: parent2(operationName),
    variables: leaves.map((l) => ({ id: l.id })),
    credential,
    check(data, index) {
      const expected = JSON.stringify({ workspace: { parent: { parent: { name: leaves[index]?.grandparentName } } } });
      expect(JSON.stringify(data) === expected, `expected ${expected}, got ${JSON.stringify(data)}`);
      return leaves.length === 1 ? '3 workspaces' : `3 workspaces, ${leaves.length.toLocaleString('en-US')} leaves in turn`;
    },
  };
}

/** `workspaces(tenantId, first: 50)` as `credential`: 50 workspaces and another page; with `subtree`, that subtree's first 50 in list order. */
function list50(key: string, title: string, operationName: string, credential: Credential, seed: SeededTenant, subtree?: string): Scenario {
  return {
    key,
    title,
    operationName,
    query: LIST_50.replace('List50', operationName),
    variables: [{ tenantId: seed.tenantId }],
    credential,
    check(data) {
      const nodes = countIds(data);
      expect(nodes === 50, `expected 50 workspaces, got ${nodes}`);
      expect(JSON.stringify(data).includes('"hasNextPage":true'), 'expected another page');
      if (subtree === undefined) return `50 of ${seed.workspaces.toLocaleString('en-US')} workspaces`;
      const names = (data as { workspaces: { nodes: { name: string }[] } }).workspaces.nodes.map((n) => n.name);
      expect(names[0] === subtree && names.every((n) => n === subtree || n.startsWith(`${subtree}-`)), `expected the subtree of ${subtree}, got ${names.join(', ')}`);
      return `50 of ${seed.lister.viewable.toLocaleString('en-US')} viewable`;
    },
  };
}

/**
 * Issue 14: a page of the tenant's workspaces for its admin, and for a member whose only grant is
 * `admin` on a depth-1 workspace (the subtree that comes last in list order), beside the ceiling.
 */
export function listScenarios(seed: SeededTenant): Scenario[] {
  return [
    ceiling(),
    list50('list-50-admin', '`workspaces(tenantId, first: 50)`, tenant admin', 'List50Admin', 'admin', seed),
    list50('list-50-member', '`workspaces(tenantId, first: 50)`, member with ADMIN on a depth-1 workspace', 'List50Member', 'lister', seed, seed.lister.grantName),
  ];
}

export const ceiling = (): Scenario => typename('typename', '`{ __typename }`, API key', 'Ceiling', 'admin');

/** The scenarios on the service as deployed (answer cache on), 11,111 workspaces. */
export function mainScenarios(seed: SeededTenant, fanOut: number): Scenario[] {
  const threeLevels = 1 + fanOut + fanOut ** 2 + fanOut ** 3;
  const leaf = seed.sampleLeaves.at(-1);
  if (!leaf) throw new Error('no leaves');
  return [
    typename('typename-anonymous', '`{ __typename }`, no credentials', 'CeilingAnonymous', 'none'),
    ceiling(),
    parentWalk('parent-2-levels', '`parent { parent { name } }` of a leaf', 'Parent2', 'admin', [leaf]),
    list50('list-50', '`workspaces(tenantId, first: 50)`', 'List50', 'admin', seed),
    // Last: it can keep the service busy long after its window (see docs/benchmarks.md).
    {
      key: 'children-3-levels',
      title: '3 levels of `children` from the root',
      operationName: 'Children3',
      query: CHILDREN_3,
      variables: [{ id: seed.rootId }],
      credential: 'admin',
      check(data) {
        const nodes = countIds(data);
        expect(nodes === threeLevels, `expected ${threeLevels} workspaces, got ${nodes}`);
        return `${nodes.toLocaleString('en-US')} workspaces`;
      },
    },
  ];
}

/**
 * Parent walks over many leaves, on a service whose answer cache is off: what a check itself costs,
 * for a tenant admin and for a member whose grant is two levels above the leaves.
 */
export function coldScenarios(seed: SeededTenant): Scenario[] {
  return [
    parentWalk('parent-2-cold-admin', '`parent { parent { name } }`, tenant admin, leaves in turn', 'Parent2ColdAdmin', 'admin', seed.sampleLeaves),
    parentWalk('parent-2-cold-member', '`parent { parent { name } }`, member with a deep grant, leaves in turn', 'Parent2ColdMember', 'member', seed.member.leaves),
  ];
}

/**
 * One connection of `{ __typename }` (no credentials: nothing but the event loop) while the other
 * connections run member parent walks that each need real checks: how long a request that needs
 * no check waits behind those that do.
 */
export function underLoadScenarios(seed: SeededTenant): { foreground: Scenario; background: Scenario } {
  return {
    foreground: typename('typename-under-load', '`{ __typename }`, one connection, while 15 run member parent walks', 'TrivialUnderLoad', 'none'),
    background: parentWalk('parent-2-background', 'member parent walks (background)', 'Parent2Background', 'member', seed.member.leaves),
  };
}
