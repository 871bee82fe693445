/**
 * `npx tsx bench/spicedb-scaling.ts`: how long the embedded SpiceDB takes for the same 1,000
 * `view` checks (level-3 workspaces, a tenant admin) when the store holds a depth-3 tree
 * (1,111 workspaces) and a depth-4 tree (11,111), next to smaller batches and one tenant check.
 * Only the store size differs. See docs/benchmarks.md.
 */
import { readSchemaFile, startEmbeddedSpiceDb } from '../src/infra/spicedb/connect.js';
import type { Tuple } from '../src/infra/spicedb/relationships.js';

const FAN_OUT = 10;
const ROUNDS = 3;

function tree(depth: number): { tuples: Tuple[]; levels: string[][] } {
  const tuples: Tuple[] = [
    { resource: { type: 'tenant', id: 't' }, relation: 'admin', subject: { type: 'user', id: 'admin' } },
    { resource: { type: 'workspace', id: 'w' }, relation: 'tenant', subject: { type: 'tenant', id: 't' } },
    { resource: { type: 'workspace', id: 'w' }, relation: 'creator_tenant', subject: { type: 'tenant', id: 't' } },
    { resource: { type: 'workspace', id: 'w' }, relation: 'admin', subject: { type: 'user', id: 'admin' } },
  ];
  const levels: string[][] = [];
  let parents = ['w'];
  for (let d = 1; d <= depth; d += 1) {
    const level = parents.flatMap((p) => Array.from({ length: FAN_OUT }, (_, i) => `${p}_${i}`));
    for (const id of level) {
      const parent = id.slice(0, id.lastIndexOf('_'));
      tuples.push({ resource: { type: 'workspace', id }, relation: 'tenant', subject: { type: 'tenant', id: 't' } });
      tuples.push({ resource: { type: 'workspace', id }, relation: 'parent', subject: { type: 'workspace', id: parent } });
    }
    levels.push(level);
    parents = level;
  }
  return { tuples, levels };
}

const schema = await readSchemaFile();
for (const depth of [3, 4]) {
  const spicedb = await startEmbeddedSpiceDb();
  await spicedb.writeSchema(schema);
  const { tuples, levels } = tree(depth);
  let token = '';
  for (let i = 0; i < tuples.length; i += 1000) token = await spicedb.write(tuples.slice(i, i + 1000).map((tuple) => ({ op: 'touch', tuple })));
  const admin = { type: 'user', id: 'admin' };
  const cases = [
    { label: '   1 check  on the tenant (administrate)', items: [{ resource: { type: 'tenant', id: 't' }, permission: 'administrate', subject: admin }] },
    ...([[0, 10], [1, 100], [2, 1000]] as const).map(([index, count]) => ({
      label: `${String(count).padStart(4)} checks on level ${index + 1} (view)`,
      items: (levels[index] ?? []).slice(0, count).map((id) => ({ resource: { type: 'workspace', id }, permission: 'view', subject: admin })),
    })),
  ];
  for (const { label, items } of cases) {
    const times: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = process.hrtime.bigint();
      const answers = await spicedb.checkBulk(items, token);
      if (!answers.every(Boolean)) throw new Error('admin should view every workspace');
      times.push((Number(process.hrtime.bigint() - started) / 1e6).toFixed(0));
    }
    console.log(`store: ${tuples.length.toLocaleString('en-US').padStart(6)} relationships; ${label}: ${times.join(' / ')} ms`);
  }
  spicedb.close();
  await new Promise((resolve) => setTimeout(resolve, 200));
}
process.exit(0);
