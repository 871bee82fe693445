import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertGroup } from '../../../src/groups/group.repository.js';
import { insertGroupMember } from '../../../src/groups/group-member.repository.js';
import { insertTenantMember } from '../../../src/tenants/tenant-member.repository.js';
import { insertGrant } from '../../../src/workspaces/workspace-member.repository.js';
import { newId } from '../../../src/shared/ids.js';
import { upsertUserFromIdentity } from '../../../src/users/user.repository.js';
import { outboxSettled } from '../../support/fixtures.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { createMember } from '../../support/fixtures.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';

/*
 * Walking d levels of the tree costs O(d) SQL statements and at most O(d) SpiceDB calls, whatever
 * the number of nodes: loaders batch each level into one statement and every permission check of a
 * level into one CheckBulkPermissions call. A question already answered at the same freshness token
 * costs no call at all (answers are shared across requests), so calls are counted per distinct
 * question: the first request after a write pays them, a repeat pays none. Counted per request by
 * the service itself.
 */
const THREE_LEVELS = `query Walk($id: ID!) {
  workspace(id: $id) { name children { nodes { name children { nodes { name children { nodes { name } } } } } } }
}`;
/** What the first request after a write pays on top: one statement over the outbox (answer-cache.ts). */
const AFTER_WRITE = 1;
const UP_THREE = `query Up($id: ID!) { workspace(id: $id) { name parent { name parent { name parent { name } } } } }`;

describe('round trips per request', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  const make = async (parentId: string, name: string): Promise<string> =>
    (await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name })).data?.createWorkspace.workspace.id ?? '';

  /** A tree of the given fan-out and depth 3 under a fresh child of the root; returns its top and one leaf. */
  const tree = async (label: string, fanOut: number): Promise<{ top: string; leaf: string }> => {
    const top = await make(server.runtime.bootstrap.rootWorkspaceId, label);
    let leaf = top;
    for (let i = 0; i < fanOut; i += 1) {
      const l1 = await make(top, `${label}-${i}`);
      for (let j = 0; j < fanOut; j += 1) {
        const l2 = await make(l1, `${label}-${i}-${j}`);
        for (let k = 0; k < fanOut; k += 1) leaf = await make(l2, `${label}-${i}-${j}-${k}`);
      }
    }
    return { top, leaf };
  };

  const countsOf = async (operationName: string, query: string, id: string, headers: Record<string, string> = { 'x-api-key': server.adminKey }) => {
    const response = await server.gql(query, { id }, headers);
    expect(response.errors).toBeUndefined();
    const line = await requestLine(logs, response.headers);
    expect(line.operationName).toBe(operationName);
    return { sql: line?.sql, spicedb: line?.spicedb, data: response.data };
  };

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
  });
  afterAll(async () => server.stop());

  /**
   * A write that asks SpiceDB nothing on the admin's behalf: the next request starts a new token cold,
   * and pays AFTER_WRITE more statements: it asks the outbox which tenants the write touched (answer-cache.ts).
   */
  let newcomers = 0;
  const newToken = () => createMember(server, { tenantId: server.runtime.bootstrap.tenantId, username: `newcomer-${(newcomers += 1)}` });

  it('a 3-level children query costs the same for 8 nodes as for 39', async () => {
    const small = await tree('small', 2);
    const large = await tree('large', 3);
    await newToken();
    const smallCounts = await countsOf('Walk', THREE_LEVELS, small.top);
    const largeCounts = await countsOf('Walk', THREE_LEVELS, large.top);
    expect(JSON.stringify(largeCounts.data).match(/large-/g)?.length).toBe(3 + 9 + 27);
    expect(smallCounts.sql).toBe(Number(largeCounts.sql) + AFTER_WRITE);
    // The API key with the freshness token + the workspace + one statement for all three levels.
    expect(largeCounts.sql).toBe(3);
    // The admin's `tenant#administrate` settles view on every workspace of the tenant (schema.zed:
    // view = … + tenant->administrate); asked once per freshness token, by the first request.
    expect(smallCounts.spicedb).toBe(1);
    expect(largeCounts.spicedb).toBe(0);
    expect((await countsOf('Walk', THREE_LEVELS, large.top)).spicedb).toBe(0);
  });

  it('loads the levels a query nests ahead, with each level\'s own page, and answers as level by level', async () => {
    const { top } = await tree('paged', 3);
    const nested = (dir: string) => `query Paged($id: ID!) { workspace(id: $id) {
      children(first: 2) { nodes { name children${dir} { nodes { name children(first: 1) { nodes { name } pageInfo { hasNextPage } } }
        pageInfo { hasNextPage } } } pageInfo { hasNextPage } } } }`;
    // `@include(if: true)` changes nothing but makes the level conditional: no look-ahead below it.
    const ahead = await countsOf('Paged', nested('(first: 3)'), top);
    const levelByLevel = await countsOf('Paged', nested('(first: 3) @include(if: true)'), top);
    expect(ahead.data).toEqual(levelByLevel.data);
    expect(ahead.sql).toBe(3);
    expect(levelByLevel.sql).toBe(4);
    const names = JSON.stringify(ahead.data).match(/paged-[0-9-]+/g);
    expect(names).toEqual(['paged-0', 'paged-0-0', 'paged-0-0-0', 'paged-0-1', 'paged-0-1-0', 'paged-0-2', 'paged-0-2-0', 'paged-1', 'paged-1-0', 'paged-1-0-0', 'paged-1-1', 'paged-1-1-0', 'paged-1-2', 'paged-1-2-0']);
    expect(JSON.stringify(ahead.data).match(/"hasNextPage":true/g)?.length).toBe(1 + 6);
  });

  it('a nested page with bad arguments fails at its own field, not at the level that looked ahead', async () => {
    const { top } = await tree('badpage', 2);
    const response = await server.gql(
      `query BadPage($id: ID!) { workspace(id: $id) { children { nodes { name children(first: -1) { nodes { name } } } } } }`,
      { id: top },
      { 'x-api-key': server.adminKey },
    );
    const [first] = response.errors ?? [];
    expect(first?.path).toEqual(['workspace', 'children', 'nodes', 0, 'children']);
    expect(first?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  /**
   * `users` new members of the default tenant, each with a role on `workspaceId` (ids of the first
   * half) or on the root (the rest), plus `groups` groups of them granted on `workspaceId`; all in
   * one group `groupId` too. Written like the services do (rows and events), then applied.
   */
  const seed = async (label: string, users: number, groups: number) => {
    const { services, bootstrap } = server.runtime;
    const workspaceId = await make(bootstrap.rootWorkspaceId, `members ${label}`);
    const { value } = await services.uow.run(async ({ trx, emit }) => {
      const tenantId = bootstrap.tenantId;
      const group = await insertGroup(trx, { id: newId(), tenantId, name: `everyone ${label}` });
      emit({ type: 'GroupCreated', tenantId, groupId: group.id, name: group.name });
      for (let i = 0; i < users; i += 1) {
        const name = `${label}-user-${String(i).padStart(3, '0')}`;
        const user = await upsertUserFromIdentity(trx, { issuer: 'https://seed.test', subject: name, username: name, name: null, email: null });
        await insertTenantMember(trx, tenantId, user.id, 'member');
        emit({ type: 'TenantMemberAdded', tenantId, userId: user.id, role: 'member' });
        const subject = { type: 'user' as const, id: user.id };
        const on = i % 2 === 0 ? workspaceId : bootstrap.rootWorkspaceId;
        await insertGrant(trx, on, subject, 'editor');
        emit({ type: 'WorkspaceMemberAdded', tenantId, workspaceId: on, subject, role: 'editor' });
        await insertGroupMember(trx, group.id, user.id, 'member');
        emit({ type: 'GroupMemberAdded', tenantId, groupId: group.id, userId: user.id, role: 'member' });
      }
      for (let i = 0; i < groups; i += 1) {
        const granted = await insertGroup(trx, { id: newId(), tenantId, name: `${label}-group-${i}` });
        emit({ type: 'GroupCreated', tenantId, groupId: granted.id, name: granted.name });
        const subject = { type: 'group' as const, id: granted.id };
        await insertGrant(trx, workspaceId, subject, 'member');
        emit({ type: 'WorkspaceMemberAdded', tenantId, workspaceId, subject, role: 'member' });
      }
      return { workspaceId, groupId: group.id };
    }, TEST_SETUP);
    await outboxSettled(server);
    return value;
  };

  const TENANT_MEMBERS = `query TenantMembers($id: ID!) { tenant(id: $id) { members(first: 100, search: "user") { nodes { user { username } role addedAt } } } }`;
  const GROUP_MEMBERS = `query GroupMembers($id: ID!) { group(id: $id) { members(first: 100) { nodes { user { username } role } } } }`;
  const WORKSPACE_MEMBERS = `query WorkspaceMembers($id: ID!) {
    workspace(id: $id) { members(first: 100, includeInherited: true) {
      nodes { role inherited grantedOn { name } subject { ... on User { username } ... on Group { name } } }
    } }
  }`;

  it('a page of 100 members costs what a page of 10 costs: tenant, group and workspace members', async () => {
    const small = await seed('small', 10, 2);
    const large = await seed('large', 160, 40);
    const tenantId = server.runtime.bootstrap.tenantId;
    await newToken();
    const tenantSmall = await countsOf('TenantMembers', TENANT_MEMBERS.replace('"user"', '"small-user"'), tenantId);
    await newToken();
    const tenantLarge = await countsOf('TenantMembers', TENANT_MEMBERS.replace('"user"', '"large-user"'), tenantId);
    expect(JSON.stringify(tenantLarge.data).match(/large-user-/g)).toHaveLength(100);
    expect(tenantLarge).toMatchObject({ sql: tenantSmall.sql, spicedb: tenantSmall.spicedb });
    // The API key with the token + the tenant + one page of members joined with their users; the tenant's view check.
    expect({ sql: tenantLarge.sql, spicedb: tenantLarge.spicedb }).toEqual({ sql: 3 + AFTER_WRITE, spicedb: 1 });

    await newToken();
    const groupSmall = await countsOf('GroupMembers', GROUP_MEMBERS, small.groupId);
    await newToken();
    const groupLarge = await countsOf('GroupMembers', GROUP_MEMBERS, large.groupId);
    expect(JSON.stringify(groupLarge.data).match(/large-user-/g)).toHaveLength(100);
    expect({ sql: groupLarge.sql, spicedb: groupLarge.spicedb }).toEqual({ sql: groupSmall.sql, spicedb: groupSmall.spicedb });
    // The API key with the token + the group + one page of members; the group's view check.
    expect({ sql: groupLarge.sql, spicedb: groupLarge.spicedb }).toEqual({ sql: 3 + AFTER_WRITE, spicedb: 1 });

    await newToken();
    const wsSmall = await countsOf('WorkspaceMembers', WORKSPACE_MEMBERS, small.workspaceId);
    await newToken();
    const wsLarge = await countsOf('WorkspaceMembers', WORKSPACE_MEMBERS, large.workspaceId);
    const nodes = (wsLarge.data as { workspace: { members: { nodes: { inherited: boolean; subject: { name?: string } }[] } } }).workspace.members.nodes;
    expect(nodes).toHaveLength(100);
    expect(nodes.some((n) => n.inherited) && nodes.some((n) => !n.inherited) && nodes.some((n) => n.subject.name)).toBe(true);
    expect({ sql: wsLarge.sql, spicedb: wsLarge.spicedb }).toEqual({ sql: wsSmall.sql, spicedb: wsSmall.spicedb });
    // The API key with the token + the workspace + its ancestors + one page of grants joined with users
    // and groups; the workspace's check, then its ancestors' in one bulk call. Subjects and grantedOn cost nothing.
    expect({ sql: wsLarge.sql, spicedb: wsLarge.spicedb }).toEqual({ sql: 4 + AFTER_WRITE, spicedb: 2 });
  });

  it('users(first: 100) is one statement after authentication, and no SpiceDB call', async () => {
    const counts = await countsOf('Users', 'query Users { users(first: 100, search: "large-user") { nodes { username } } }', '');
    expect(JSON.stringify(counts.data).match(/large-user-/g)).toHaveLength(100);
    // The API key (with the token) + one statement: visibility is membership in PostgreSQL, so no check.
    expect({ sql: counts.sql, spicedb: counts.spicedb }).toEqual({ sql: 2, spicedb: 0 });
  });

  /*
   * Pages of several groups' members are one statement (one ORDER BY … LIMIT branch per group):
   * five groups cost what one costs, and each page is that group's first members by username, with
   * an expired membership left out. Usernames sort against insertion (and so id) order.
   */
  const GROUP_PAGES = `query GroupPages($id: ID!, $name: String!) { tenant(id: $id) { groups(first: 10, nameContains: $name) {
    nodes { name members(first: 2) { nodes { user { username } } pageInfo { hasNextPage } } }
  } } }`;
  it("members of several groups in one request: one statement for every group's page, each in username order", async () => {
    const { services, bootstrap } = server.runtime;
    const tenantId = bootstrap.tenantId;
    await services.uow.run(async ({ trx, emit }) => {
      for (let g = 0; g < 5; g += 1) {
        const group = await insertGroup(trx, { id: newId(), tenantId, name: `batch-g${g}` });
        emit({ type: 'GroupCreated', tenantId, groupId: group.id, name: group.name });
        for (let u = 3; u >= 0; u -= 1) {
          const name = `batch-u${g}-${u}`;
          const user = await upsertUserFromIdentity(trx, { issuer: 'https://seed.test', subject: name, username: name, name: null, email: null });
          await insertTenantMember(trx, tenantId, user.id, 'member');
          // batch-u<g>-0 sorts first, but its membership has ended (awaiting the sweeper): absent.
          await insertGroupMember(trx, group.id, user.id, 'member', u === 0 ? new Date(Date.now() - 60_000) : null);
        }
      }
    }, TEST_SETUP);
    await outboxSettled(server);
    const pagesOf = async (name: string) => {
      await newToken();
      const response = await server.gql(GROUP_PAGES, { id: tenantId, name }, { 'x-api-key': server.adminKey });
      expect(response.errors).toBeUndefined();
      const line = await requestLine(logs, response.headers);
      return { sql: line.sql, spicedb: line.spicedb, data: response.data };
    };
    // Once, so that both requests measured find the server in the same state (the first after the
    // seed learns of writes the others need not).
    await pagesOf('batch-g');
    const one = await pagesOf('batch-g0');
    const five = await pagesOf('batch-g');
    const page = (g: number) => ({ name: `batch-g${g}`, members: { nodes: [1, 2].map((u) => ({ user: { username: `batch-u${g}-${u}` } })), pageInfo: { hasNextPage: true } } });
    expect(one.data).toEqual({ tenant: { groups: { nodes: [page(0)] } } });
    expect(five.data).toEqual({ tenant: { groups: { nodes: [0, 1, 2, 3, 4].map(page) } } });
    expect({ sql: five.sql, spicedb: five.spicedb }).toEqual({ sql: one.sql, spicedb: one.spicedb });
    // The API key with the token + the tenant + the page of groups + the groups by id (whether the
    // caller may view them, GroupMemberService.list) + one statement for every group's members.
    expect(five.sql).toBe(5 + AFTER_WRITE);
  });

  it('walking up three parents costs one statement for the whole chain and no check already answered', async () => {
    const { leaf } = await tree('up', 1);
    await newToken();
    const counts = await countsOf('Up', UP_THREE, leaf);
    expect(counts.data).toMatchObject({ workspace: { parent: { parent: { parent: { name: 'up' } } } } });
    // The API key with the freshness token + the leaf and its ancestors in one recursive statement.
    expect(counts.sql).toBe(2 + AFTER_WRITE);
    // A new token (the tree was just written): one bulk call with the tenant check and the leaf.
    expect(counts.spicedb).toBe(1);
    const again = await countsOf('Up', UP_THREE, leaf);
    expect({ sql: again.sql, spicedb: again.spicedb }).toEqual({ sql: 2, spicedb: 0 });
  });

  it('a member with a grant deep in the tree pays one call per distinct question, once per token', async () => {
    const { top, leaf } = await tree('grant', 1);
    const member = await createMember(server, {
      tenantId: server.runtime.bootstrap.tenantId,
      username: 'grant-holder',
      workspaceRoles: [{ workspaceId: top, role: 'member' }],
    });
    const first = await countsOf('Up', UP_THREE, leaf, member.headers);
    expect(first.data).toMatchObject({ workspace: { parent: { parent: { parent: { name: 'grant' } } } } });
    // Not a tenant admin: the leaf (with the tenant check), then its ancestors in one bulk call.
    expect(first.spicedb).toBe(2);
    // The same questions at the same token: answered without SpiceDB.
    expect((await countsOf('Up', UP_THREE, leaf, member.headers)).spicedb).toBe(0);
    // Part of the same walk: every question was asked before.
    expect((await countsOf('Up1', 'query Up1($id: ID!) { workspace(id: $id) { parent { name } } }', leaf, member.headers)).spicedb).toBe(0);
    // A write stores a new token: the next request asks again.
    await server.asAdmin(CREATE_WORKSPACE, { parentId: top, name: 'grant-sibling' });
    expect((await countsOf('Up', UP_THREE, leaf, member.headers)).spicedb).toBe(2);
  });

  it("a tenant admin's page of the tenant's workspaces costs the key and the page: two statements", async () => {
    await newToken();
    const response = await server.asAdmin(`query List($t: ID!) { workspaces(tenantId: $t, first: 5) { nodes { id } } }`, { t: server.runtime.bootstrap.tenantId });
    expect(response.errors).toBeUndefined();
    const line = await requestLine(logs, response.headers);
    // A non-empty page proves the tenant exists: its row is not loaded (workspace.service.ts).
    expect({ sql: line?.sql, spicedb: line?.spicedb }).toEqual({ sql: 2 + AFTER_WRITE, spicedb: 1 });
  });
});
