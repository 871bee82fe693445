/**
 * Issue 17 on the 11,111 tree: a page of descendants from the root with its total, a breadcrumb of
 * a depth-4 leaf, and moves of a 111-node and a 1,111-node subtree between two parents (latency
 * including the wait for SpiceDB, statements per move from the request log).
 */
import pg from 'pg';
import { entryOf, type EventOf } from '../src/events/domain-events.js';
import type { Scenario } from './scenarios.js';
import type { SeededTenant } from './seed.js';
import { parseJson, type ServiceProcess } from './service.js';

const DESCENDANTS_100 = `query Descendants100($id: ID!) { workspace(id: $id) { descendants(first: 100) { totalCount nodes { name depth } } } }`;
const LIST_100 = `query List100($tenantId: ID!) { workspaces(tenantId: $tenantId, first: 100) { totalCount nodes { name depth } } }`;
const ANCESTORS = `query Breadcrumb($id: ID!) { workspace(id: $id) { ancestors { name } } }`;

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

export function navigationScenarios(seed: SeededTenant): Scenario[] {
  return [
    {
      key: 'descendants-100',
      title: '`descendants(first: 100) { totalCount nodes { name depth } }` from the root',
      operationName: 'Descendants100',
      query: DESCENDANTS_100,
      variables: [{ id: seed.rootId }],
      credential: 'admin',
      check(data) {
        const page = (data as { workspace: { descendants: { totalCount: number; nodes: { name: string; depth: number }[] } } }).workspace.descendants;
        expect(page.nodes.length === 100, `expected 100 descendants, got ${page.nodes.length}`);
        expect(page.totalCount === seed.workspaces - 1, `expected totalCount ${seed.workspaces - 1}, got ${page.totalCount}`);
        // Pre-order: the first child, then its first child, down to a leaf.
        expect(page.nodes[0]?.name === 'ws-0' && page.nodes[1]?.name === 'ws-0-0', `not in tree order: ${page.nodes.slice(0, 3).map((n) => n.name).join(', ')}`);
        return `100 of ${page.totalCount.toLocaleString('en-US')}, in tree order`;
      },
    },
    {
      // For reference: the tenant listing (one index range in name order) with the same page and fields.
      key: 'list-100',
      title: '`workspaces(tenantId, first: 100) { totalCount nodes { name depth } }` (reference: the same page in name order)',
      operationName: 'List100',
      query: LIST_100,
      variables: [{ tenantId: seed.tenantId }],
      credential: 'admin',
      check(data) {
        const page = (data as { workspaces: { totalCount: number; nodes: unknown[] } }).workspaces;
        expect(page.nodes.length === 100 && page.totalCount === seed.workspaces, `expected 100 of ${seed.workspaces}, got ${page.nodes.length} of ${page.totalCount}`);
        return `100 of ${page.totalCount.toLocaleString('en-US')}`;
      },
    },
    {
      key: 'ancestors-leaf',
      title: '`ancestors { name }` of a depth-4 leaf',
      operationName: 'Breadcrumb',
      query: ANCESTORS,
      variables: [{ id: seed.leafId }],
      credential: 'admin',
      check(data) {
        const names = (data as { workspace: { ancestors: { name: string }[] } }).workspace.ancestors.map((a) => a.name);
        expect(names.length === 4 && names[0] === 'Root', `unexpected breadcrumb ${names.join(' / ')}`);
        return names.join(' / ');
      },
    },
  ];
}

export interface MoveFigures {
  subtree: number;
  moves: number;
  p50Ms: number;
  maxMs: number;
  sqlPerMove: number;
  /** Outbox events the moves wrote, per move, and the relationship updates in each (one WriteRelationships). */
  eventsPerMove: number;
  relationshipUpdatesPerEvent: number[];
  allSynced: boolean;
}

const MOVE = `mutation BenchMove($id: ID!, $to: ID!) { moveWorkspace(input: { id: $id, newParentId: $to }) { authorizationSynced workspace { depth } } }`;

/** Moves each subtree back and forth between two parents `rounds` times; one figure per subtree size. */
export async function benchMoves(service: ServiceProcess, seed: SeededTenant, rounds = 10): Promise<MoveFigures[]> {
  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': seed.adminApiKey }, body: JSON.stringify({ query, variables }) });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
    return body.data;
  };
  const tree = await gql<{ workspace: { children: { nodes: { id: string; children: { nodes: { id: string }[] } }[] } } }>(
    `query($id: ID!) { workspace(id: $id) { children(first: 2) { nodes { id children(first: 1) { nodes { id } } } } } }`,
    { id: seed.rootId },
  );
  const [first, second] = tree.workspace.children.nodes;
  const grandchild = first?.children.nodes[0];
  if (!first || !second || !grandchild) throw new Error('tree too small for the move bench');
  // 111 nodes: a depth-2 workspace between its parent and its parent's sibling; 1,111: a depth-1
  // workspace between the root and a sibling (its deepest node goes from depth 4 to 5).
  const cases = [
    { subtree: 111, id: grandchild.id, parents: [second.id, first.id] },
    { subtree: 1_111, id: second.id, parents: [first.id, seed.rootId] },
  ];
  const figures: MoveFigures[] = [];
  const db = new pg.Client({ connectionString: seed.databaseUrl });
  await db.connect();
  try {
  for (const c of cases) {
    const logFrom = service.lines.length;
    const { rows: [mark] } = await db.query<{ seq: string }>(`SELECT coalesce(max(seq), 0)::text AS seq FROM outbox`);
    const latencies: number[] = [];
    let allSynced = true;
    for (let i = 0; i < rounds * 2; i += 1) {
      const t0 = performance.now();
      const moved = await gql<{ moveWorkspace: { authorizationSynced: boolean } }>(MOVE, { id: c.id, to: c.parents[i % 2] });
      latencies.push(performance.now() - t0);
      allSynced &&= moved.moveWorkspace.authorizationSynced;
    }
    await new Promise((resolve) => setTimeout(resolve, 300)); // request lines are written after the response
    const sql = service.lines
      .slice(logFrom)
      .map(parseJson)
      .filter((l) => l?.event === 'graphql_request' && l.operationName === 'BenchMove')
      .map((l) => Number(l?.sql ?? 0));
    const { rows: events } = await db.query<{ payload: Omit<EventOf<'WorkspaceMoved'>, 'type'> }>(
      `SELECT payload FROM outbox WHERE seq > $1 AND event_type = 'WorkspaceMoved' ORDER BY seq`,
      [mark?.seq ?? '0'],
    );
    const updatesOf = (payload: Omit<EventOf<'WorkspaceMoved'>, 'type'>): number => {
      const event: EventOf<'WorkspaceMoved'> = { ...payload, type: 'WorkspaceMoved' };
      const relationships = entryOf(event).relationships;
      return relationships === 'postgresql-only' ? 0 : relationships(event).length;
    };
    const updates = [...new Set(events.map((e) => updatesOf(e.payload)))];
    latencies.sort((a, b) => a - b);
    figures.push({
      subtree: c.subtree,
      moves: latencies.length,
      p50Ms: Math.round((latencies[Math.floor(latencies.length / 2)] ?? 0) * 10) / 10,
      maxMs: Math.round((latencies.at(-1) ?? 0) * 10) / 10,
      sqlPerMove: sql.length ? Math.round((sql.reduce((a, b) => a + b, 0) / sql.length) * 10) / 10 : Number.NaN,
      eventsPerMove: events.length / latencies.length,
      relationshipUpdatesPerEvent: updates,
      allSynced,
    });
  }
  } finally {
    await db.end();
  }
  return figures;
}

export function moveTable(figures: readonly MoveFigures[]): string {
  const rows = figures.map((f) => `| ${f.subtree.toLocaleString('en-US')} | ${f.moves} | ${f.p50Ms} / ${f.maxMs} | ${f.sqlPerMove} | ${f.eventsPerMove} | ${f.relationshipUpdatesPerEvent.join(', ')} | ${f.allSynced ? 'yes' : 'no'} |`);
  return ['| subtree | moves | p50 / max ms (incl. SpiceDB) | SQL per move | outbox events per move | relationship updates per event (one WriteRelationships) | all synced |', '|---:|---:|---:|---:|---:|---:|---|', ...rows].join('\n');
}
