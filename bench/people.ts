/**
 * Issue 21, goal 5: people at scale. The 11,111 tree (seed.ts) plus, in bulk (people-seed.ts),
 * 10,000 tenant members and 500 groups: every member in one group (20 each), the first 1,000 also
 * in `people-050`, which holds `EDITOR` on `ws-0` (1,111 workspaces at and below it); a **grouped**
 * user in `people-001` … `people-050` (their grant comes through the fiftieth), and a **direct** user
 * granted `EDITOR` on `ws-0` themselves. Scenarios (tenant admin unless named): `members(first: 50,
 * search:)` of the tenant, `users(search:, first: 50)`, `group.members(first: 50)` of the 1,021-member
 * group, the grouped user's parent walk of leaves under `ws-0` (warm, as deployed), and with the
 * answer cache off, the same walk by the grouped and by the direct user (the cold checks).
 */
import { daysFromNow } from '../src/api-keys/api-key.js';
import { bootstrap } from '../src/bootstrap/bootstrap.js';
import { systemActor } from '../src/events/actor.js';
import { insertTenantMember } from '../src/tenants/tenant-member.repository.js';
import { upsertUserFromIdentity } from '../src/users/user.repository.js';
import { insertGrant } from '../src/workspaces/workspace-member.repository.js';
import { insertGroupMembers, insertGroups, insertTenantUsers } from './people-seed.js';
import type { Target } from './load.js';
import { measure, type MeasureSettings, type ScenarioResult } from './measure.js';
import { PHASES } from './phases.js';
import { ceiling, type Scenario } from './scenarios.js';
import type { ServiceProcess } from './service.js';
import { withSeedDatabase, type Leaf } from './seed.js';

export interface PeopleSeed {
  tenantId: string;
  groupId: string;
  groupedKey: string;
  directKey: string;
  leaves: Leaf[];
  members: number;
  groups: number;
}

const MEMBERS = 10_000;
const GROUPS = 500;
const GROUPED_IN = 50;
const BIG_GROUP = 1_000;

/** Adds the people to a data dir seeded by seedTenant (its PostgreSQL stopped again), in bulk. */
export async function seedPeople(dataDir: string, postgresPort: number): Promise<PeopleSeed> {
  return withSeedDatabase(dataDir, postgresPort, async ({ pool, services, logger }) => {
    // Already bootstrapped: this finds the default tenant and its root.
    const boot = await bootstrap(services, { tenantName: 'default', adminUsername: 'bootstrap-admin' }, logger);
    const tenantId = boot.tenantId;
    const users = await insertTenantUsers(pool, tenantId, 'person', MEMBERS - 2);
    const groups = await insertGroups(pool, tenantId, 'people', GROUPS);
    const grantGroup = groups[GROUPED_IN - 1];
    if (!grantGroup) throw new Error('too few groups');
    await insertGroupMembers(pool, [
      ...users.map((u, i) => ({ groupId: groups[i % GROUPS]?.id ?? '', userId: u.id })).filter((p) => p.groupId !== grantGroup.id),
      ...users.slice(0, BIG_GROUP).map((u) => ({ groupId: grantGroup.id, userId: u.id })),
    ]);
    const ws0 = await pool.query<{ id: string }>(`SELECT id FROM workspaces WHERE tenant_id = $1 AND depth = 1 AND name = 'ws-0'`, [tenantId]);
    const grantOn = ws0.rows[0]?.id;
    if (!grantOn) throw new Error('no ws-0');
    await pool.query(`INSERT INTO workspace_members (workspace_id, user_id, group_id, role) VALUES ($1, NULL, $2, 'editor')`, [grantOn, grantGroup.id]);
    const userWith = (username: string, direct: boolean): Promise<string> =>
      services.uow
        .run(async (tx) => {
          const user = await upsertUserFromIdentity(tx.trx, { issuer: 'https://bench.local', subject: username, username, name: `Bench ${username}`, email: null });
          await insertTenantMember(tx.trx, tenantId, user.id, 'member');
          tx.emit({ type: 'TenantMemberAdded', tenantId, userId: user.id, role: 'member' });
          if (direct) {
            await insertGrant(tx.trx, grantOn, { type: 'user', id: user.id }, 'editor');
            tx.emit({ type: 'WorkspaceMemberAdded', tenantId, workspaceId: grantOn, subject: { type: 'user', id: user.id }, role: 'editor' });
          }
          return (await services.apiKeys.issue(tx, { tenantId, ownerUserId: user.id, name: username, expiresAt: daysFromNow(30) })).secret;
        }, { by: { actor: systemActor('bench-seed') } })
        .then((c) => c.value);
    const groupedKey = await userWith('people-grouped', false);
    const directKey = await userWith('people-direct', true);
    // The grouped user's 50 memberships, rows only like the rest (the start-up reconcile writes them).
    await pool.query(
      `INSERT INTO group_members (group_id, user_id, role)
       SELECT g, (SELECT id FROM users WHERE username = 'people-grouped'), 'member' FROM unnest($1::text[]) AS t(g)`,
      [groups.slice(0, GROUPED_IN).map((g) => g.id)],
    );
    const leaves = await pool.query<{ id: string; gp: string }>(
      `SELECT w.id, gp.name AS gp FROM workspaces w JOIN workspaces p ON p.id = w.parent_id JOIN workspaces gp ON gp.id = p.parent_id
        WHERE w.tenant_id = $1 AND w.depth = 4 AND w.name LIKE 'ws-0-%' ORDER BY w.name LIMIT 100`,
      [tenantId],
    );
    await pool.query('ANALYZE');
    return {
      tenantId,
      groupId: grantGroup.id,
      groupedKey,
      directKey,
      leaves: leaves.rows.map((r) => ({ id: r.id, grandparentName: r.gp })),
      members: MEMBERS + 1,
      groups: GROUPS,
    };
  });
}

function expect(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

const nodes = (data: unknown, path: string[]): unknown[] => {
  let at: unknown = data;
  for (const key of path) at = (at as Record<string, unknown> | null)?.[key];
  return Array.isArray(at) ? at : [];
};

function page(key: string, title: string, operationName: string, query: string, variables: Record<string, unknown>, path: string[], credential: Scenario['credential'] = 'admin'): Scenario {
  return {
    key,
    title,
    operationName,
    query: query.replace('$OP', operationName),
    variables: [variables],
    credential,
    check(data) {
      const n = nodes(data, path).length;
      expect(n === 50, `expected 50, got ${n}: ${JSON.stringify(data).slice(0, 300)}`);
      return '50 people';
    },
  };
}

function walk(key: string, title: string, operationName: string, credential: Scenario['credential'], leaves: Leaf[]): Scenario {
  return {
    key,
    title,
    operationName,
    query: `query ${operationName}($id: ID!) { workspace(id: $id) { parent { parent { name } } } }`,
    variables: leaves.map((l) => ({ id: l.id })),
    credential,
    check(data, index) {
      const expected = JSON.stringify({ workspace: { parent: { parent: { name: leaves[index]?.grandparentName } } } });
      expect(JSON.stringify(data) === expected, `expected ${expected}, got ${JSON.stringify(data)}`);
      return `3 workspaces, ${leaves.length} leaves in turn`;
    },
  };
}

/** As deployed (answer cache on). Credentials: `grouped` is the user in 50 groups, `member` the directly granted one. */
export function peopleScenarios(seed: PeopleSeed): Scenario[] {
  return [
    page('people-members-search', '`tenant.members(first: 50, search: "grace")` of 10,001', 'PeopleMembers',
      'query $OP($t: ID!) { tenant(id: $t) { members(first: 50, search: "grace") { nodes { role user { id username name } } } } }', { t: seed.tenantId }, ['tenant', 'members', 'nodes']),
    page('people-users-search', '`users(search: "grace", first: 50)`', 'PeopleUsers',
      'query $OP { users(search: "grace", first: 50) { nodes { id username name } } }', {}, ['users', 'nodes']),
    page('people-group-members', '`group.members(first: 50)` of 1,001', 'PeopleGroupMembers',
      'query $OP($g: ID!) { group(id: $g) { members(first: 50) { nodes { role user { id username } } } } }', { g: seed.groupId }, ['group', 'members', 'nodes']),
    walk('people-grouped-walk', '`parent { parent { name } }`, user in 50 groups (grant through one), leaves in turn', 'PeopleGroupedWalk', 'grouped', seed.leaves),
  ];
}

/** Answer cache off: the same walk by the user in 50 groups and by a directly granted user. */
export function peopleColdScenarios(seed: PeopleSeed): Scenario[] {
  return [
    walk('people-grouped-cold', 'cold walk, user in 50 groups (grant through one)', 'PeopleGroupedCold', 'grouped', seed.leaves),
    walk('people-direct-cold', 'cold walk, user granted directly', 'PeopleDirectCold', 'member', seed.leaves),
  ];
}

interface PreparedTenant {
  seed: { adminApiKey: string; tenantId: string };
  services: { start(env?: Record<string, string>): Promise<ServiceProcess>; stop(): Promise<void> };
  dataDir: string;
  postgresPort: number;
}

/** The `people` phase of `npm run bench`: seed, then the warm scenarios as deployed and the cold walks with the answer cache off. */
export async function runPeople(
  prepare: (shape: { fanOut: number; depth: number }) => Promise<PreparedTenant>,
  record: (results: ScenarioResult[]) => void,
  settings: MeasureSettings,
): Promise<void> {
  const tenant = await prepare({ fanOut: 10, depth: 4 });
  const started = Date.now();
  const people = await seedPeople(tenant.dataDir, tenant.postgresPort);
  console.log(`[bench] people: ${people.members.toLocaleString('en-US')} members, ${people.groups} groups in ${Date.now() - started} ms`);
  const target = (service: ServiceProcess): Target => ({ url: service.url, apiKeys: { admin: tenant.seed.adminApiKey, grouped: people.groupedKey, member: people.directKey, reader: '', lister: '' } });
  let service = await tenant.services.start();
  for (const scenario of [ceiling(), ...peopleScenarios(people)]) record([await measure(scenario, service, target(service), settings, PHASES.people)]);
  service = await tenant.services.start({ AUTHZ_CACHE_MAX_ENTRIES: '0' });
  for (const scenario of peopleColdScenarios(people)) record([await measure(scenario, service, target(service), settings, PHASES.people)]);
  await tenant.services.stop();
}
