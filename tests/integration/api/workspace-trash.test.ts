import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconcileSpiceDb } from '../../../src/relationships/reconcile.js';
import { Access, ok, refusal } from '../../support/access.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createMember, outboxSettled, type Member } from '../../support/fixtures.js';
import { captureLogs } from '../../support/logs.js';
import { DELETE_WORKSPACE, GET_WORKSPACE } from '../../support/operations.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';

const RESTORE = `mutation($id: ID!, $newName: String) {
  restoreWorkspace(input: { id: $id, newName: $newName }) { workspace { id name parent { id } viewerPermissions { view manage } } authorizationSynced }
}`;
const PURGE = `mutation($id: ID!) { purgeWorkspace(input: { id: $id }) { purgedWorkspaceId authorizationSynced } }`;
const TRASH = `query($t: ID!, $first: Int, $after: String) {
  tenant(id: $t) { deletedWorkspaces(first: $first, after: $after) {
    nodes { id name deletedAt deletedBy { id username } purgeAfter } pageInfo { hasNextPage endCursor } } }
}`;
const LIST = `query($t: ID!) { workspaces(tenantId: $t, first: 500) { nodes { id name } } }`;
const CHILDREN = `query($id: ID!) { workspace(id: $id) { children { nodes { id name } } } }`;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Trashed {
  id: string;
  name: string;
  deletedAt: string | null;
  deletedBy: { id: string; username: string } | null;
  purgeAfter: string | null;
}

/*
 * deleteWorkspace moves a workspace to the trash: it vanishes at once from every query and check
 * (its relationships leave SpiceDB) while its row and grants stay; restoreWorkspace brings it back
 * with its grants, purgeWorkspace or the retention erase it.
 */
describe('the workspace trash', () => {
  let server: TestServer;
  let access: Access;
  let tenantId: string;
  let rootId: string;
  let manager: Member;
  let worker: Member;
  let outsiderOfParent: Member;
  let finance: string;

  const admin = () => ({ 'x-api-key': server.adminKey });
  const send = (query: string, variables: Record<string, unknown>, headers: Record<string, string> = admin()): Promise<GraphQLResponse> => server.gql(query, variables, headers);
  const trash = async (id: string, headers: Record<string, string> = admin()) => {
    const response = await send(DELETE_WORKSPACE, { id }, headers);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  };
  const grantsOf = async (workspaceId: string) =>
    (await server.database.pool.query('SELECT user_id, group_id, role FROM workspace_members WHERE workspace_id = $1 ORDER BY user_id, group_id', [workspaceId])).rows;
  const relationshipsOf = (workspaceId: string) => server.runtime.spicedb.readRelationships({ resourceType: 'workspace', resourceId: workspaceId }, null);
  const listed = async (headers: Record<string, string>) =>
    ((await send(LIST, { t: tenantId }, headers)).data as { workspaces: { nodes: { id: string }[] } }).workspaces.nodes.map((n) => n.id);

  beforeAll(async () => {
    server = await startTestServer();
    access = new Access(server);
    tenantId = server.runtime.bootstrap.tenantId;
    rootId = server.runtime.bootstrap.rootWorkspaceId;
    finance = await access.createWorkspace(admin(), rootId, 'Finance');
    manager = await createMember(server, { tenantId, username: 'manager', workspaceRoles: [{ workspaceId: finance, role: 'admin' }] });
    worker = await createMember(server, { tenantId, username: 'worker' });
    outsiderOfParent = await createMember(server, { tenantId, username: 'bystander' });
  });
  afterAll(async () => server.stop());

  it('a deleted workspace vanishes from every query and check, its rows and grants stay, its name is free at once', async () => {
    const payroll = await access.createWorkspace(manager.headers, finance, 'Payroll');
    await access.grant(manager.headers, payroll, { userId: worker.userId }, 'EDITOR');
    const before = await grantsOf(payroll);
    expect(await listed(worker.headers)).toContain(payroll);
    await trash(payroll, manager.headers);

    expect((await send(GET_WORKSPACE, { id: payroll })).data).toEqual({ workspace: null });
    expect((await send(GET_WORKSPACE, { id: payroll }, worker.headers)).data).toEqual({ workspace: null });
    expect(await listed(admin())).not.toContain(payroll);
    expect(await listed(worker.headers)).not.toContain(payroll);
    expect(((await send(CHILDREN, { id: finance })).data as { workspace: { children: { nodes: unknown[] } } }).workspace.children.nodes).toEqual([]);
    expect(await relationshipsOf(payroll)).toEqual([]);
    expect(await grantsOf(payroll)).toEqual(before);
    const row = await server.database.pool.query('SELECT deleted_at IS NOT NULL AS trashed, deleted_by FROM workspaces WHERE id = $1', [payroll]);
    expect(row.rows).toEqual([{ trashed: true, deleted_by: manager.userId }]);
    // Writes on it are refused as for a missing workspace.
    const grant = await send(`mutation($w: ID!, $u: ID!) { grantWorkspaceRole(input: { workspaceId: $w, userId: $u, role: MEMBER }) { authorizationSynced } }`, { w: payroll, u: worker.userId });
    expect(refusal(grant).code).toBe('NOT_FOUND');
    const child = await send(`mutation($p: ID!) { createWorkspace(input: { parentId: $p, name: "Under the trash" }) { workspace { id } } }`, { p: payroll });
    expect(refusal(child).code).toBe('NOT_FOUND');
    // The name is free for a new sibling at once.
    const again = await access.createWorkspace(manager.headers, finance, 'Payroll');
    expect(again).not.toBe(payroll);
    // Reconcile finds nothing to bring back.
    const diff = await reconcileSpiceDb(server.database.db, server.runtime.spicedb, captureLogs('silent').logger, { connectionString: server.database.url, dryRun: true });
    expect({ missing: diff.missing, extra: diff.extra }).toEqual({ missing: 0, extra: 0 });
    await trash(again, manager.headers);
  });

  it('a parent whose children are all in the trash can itself be deleted', async () => {
    const parent = await access.createWorkspace(admin(), rootId, 'Parent of trash');
    const child = await access.createWorkspace(admin(), parent, 'Child');
    expect(refusal(await send(DELETE_WORKSPACE, { id: parent })).reason).toBe('WORKSPACE_HAS_CHILDREN');
    await trash(child);
    await trash(parent);
    // And the child cannot come back before its parent.
    const early = await send(RESTORE, { id: child });
    expect(refusal(early)).toMatchObject({ code: 'CONFLICT', reason: 'PARENT_DELETED' });
    const parentBack = await send(RESTORE, { id: parent });
    expect(parentBack.errors).toBeUndefined();
    const childBack = await send(RESTORE, { id: child });
    expect(childBack.data).toMatchObject({ restoreWorkspace: { workspace: { id: child, parent: { id: parent } }, authorizationSynced: true } });
  });

  it('Tenant.deletedWorkspaces lists the trash newest first for tenant admins, with who and until when', async () => {
    const a = await access.createWorkspace(admin(), rootId, 'Trash A');
    const b = await access.createWorkspace(admin(), finance, 'Trash B');
    await trash(a);
    await trash(b, manager.headers);
    const page = await ok<{ tenant: { deletedWorkspaces: { nodes: Trashed[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } }>(server, admin(), TRASH, { t: tenantId, first: 1 });
    const [newest] = page.tenant.deletedWorkspaces.nodes;
    expect(newest).toMatchObject({ id: b, name: 'Trash B', deletedBy: { id: manager.userId, username: 'manager' } });
    expect(new Date(newest?.purgeAfter ?? 0).getTime() - new Date(newest?.deletedAt ?? 0).getTime()).toBe(30 * DAY_MS);
    const next = await ok<{ tenant: { deletedWorkspaces: { nodes: Trashed[] } } }>(server, admin(), TRASH, { t: tenantId, first: 1, after: page.tenant.deletedWorkspaces.pageInfo.endCursor });
    expect(next.tenant.deletedWorkspaces.nodes.map((n) => n.id)).toEqual([a]);
    // Live workspaces say null.
    const live = await ok<{ workspace: { deletedAt: null; deletedBy: null; purgeAfter: null } }>(server, admin(), `query($id: ID!) { workspace(id: $id) { deletedAt deletedBy { id } purgeAfter } }`, { id: finance });
    expect(live.workspace).toEqual({ deletedAt: null, deletedBy: null, purgeAfter: null });
    // Managers who are not tenant admins do not see the trash.
    expect(refusal(await send(TRASH, { t: tenantId }, manager.headers)).code).toBe('FORBIDDEN');
  });

  it('a manager of the parent finds the trashed id in the parent’s audit log and restores it; its own admins cannot', async () => {
    const ledger = await access.createWorkspace(manager.headers, finance, 'Ledger');
    const keeper = await createMember(server, { tenantId, username: 'keeper', workspaceRoles: [{ workspaceId: ledger, role: 'admin' }] });
    await trash(ledger, keeper.headers);
    const log = await ok<{ workspace: { auditLog: { nodes: { targetId: string; action: string }[] } } }>(
      server, manager.headers, `query($w: ID!) { workspace(id: $w) { auditLog(action: WORKSPACE_DELETED) { nodes { targetId action } } } }`, { w: finance },
    );
    expect(log.workspace.auditLog.nodes.map((n) => n.targetId)).toContain(ledger);
    // Its own admin lost access with it: the parent is not theirs to manage.
    expect(refusal(await send(RESTORE, { id: ledger }, keeper.headers)).code).toBe('NOT_FOUND');
    expect(refusal(await send(RESTORE, { id: ledger }, outsiderOfParent.headers)).code).toBe('NOT_FOUND');
    const restored = await send(RESTORE, { id: ledger }, manager.headers);
    expect(restored.data).toMatchObject({ restoreWorkspace: { workspace: { id: ledger, name: 'Ledger' }, authorizationSynced: true } });
  });

  it('a restore brings the grants back in the next request, in another process', async () => {
    const child: ChildService = await startChildService({ DATABASE_URL: server.database.url });
    try {
      const vault = await access.createWorkspace(admin(), rootId, 'Vault');
      await access.grant(admin(), vault, { userId: worker.userId }, 'EDITOR');
      const viaChild = async () => {
        const response = await fetch(child.url, { method: 'POST', headers: { 'content-type': 'application/json', ...worker.headers }, body: JSON.stringify({ query: GET_WORKSPACE, variables: { id: vault } }) });
        return ((await response.json()) as { data: { workspace: { viewerPermissions: { edit: boolean } } | null } }).data.workspace;
      };
      expect((await viaChild())?.viewerPermissions.edit).toBe(true);
      await trash(vault);
      expect(await viaChild()).toBeNull();
      const restored = await send(RESTORE, { id: vault });
      expect(restored.data).toMatchObject({ restoreWorkspace: { authorizationSynced: true } });
      expect((await viaChild())?.viewerPermissions.edit).toBe(true);
      expect(await grantsOf(vault)).toEqual(expect.arrayContaining([{ user_id: worker.userId, group_id: null, role: 'editor' }]));
    } finally {
      await child.stop();
    }
  });

  it('WORKSPACE_NAME_TAKEN when the name was taken meanwhile; newName restores under another name', async () => {
    const first = await access.createWorkspace(admin(), rootId, 'Reports');
    await trash(first);
    const second = await access.createWorkspace(admin(), rootId, 'Reports');
    const taken = await send(RESTORE, { id: first });
    expect(refusal(taken)).toMatchObject({ code: 'CONFLICT', reason: 'WORKSPACE_NAME_TAKEN' });
    const stillTrashed = await server.database.pool.query('SELECT deleted_at IS NOT NULL AS trashed, name FROM workspaces WHERE id = $1', [first]);
    expect(stillTrashed.rows).toEqual([{ trashed: true, name: 'Reports' }]);
    expect(refusal(await send(RESTORE, { id: first, newName: '  ' })).code).toBe('BAD_USER_INPUT');
    const renamed = await send(RESTORE, { id: first, newName: 'Reports (old)' });
    expect(renamed.data).toMatchObject({ restoreWorkspace: { workspace: { id: first, name: 'Reports (old)' } } });
    const entries = await server.database.pool.query(
      `SELECT action, outcome, via, api_key_id IS NOT NULL AS by_key, target_name, changes FROM audit_log WHERE target_id = $1 AND action IN ('WORKSPACE_DELETED', 'WORKSPACE_RESTORED') ORDER BY id`,
      [first],
    );
    expect(entries.rows).toEqual([
      { action: 'WORKSPACE_DELETED', outcome: 'SUCCEEDED', via: 'API_KEY', by_key: true, target_name: 'Reports', changes: [{ field: 'deleted', before: 'false', after: 'true' }] },
      {
        action: 'WORKSPACE_RESTORED', outcome: 'SUCCEEDED', via: 'API_KEY', by_key: true, target_name: 'Reports (old)',
        changes: [{ field: 'deleted', before: 'true', after: 'false' }, { field: 'name', before: 'Reports', after: 'Reports (old)' }],
      },
    ]);
    expect(second).not.toBe(first);
    // A live workspace is nothing to restore; an unknown one is not found.
    expect(refusal(await send(RESTORE, { id: first })).code).toBe('NOT_FOUND');
    expect(refusal(await send(RESTORE, { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV' })).code).toBe('NOT_FOUND');
  });

  it('grants of people who left, or of groups deleted, while in the trash do not come back', async () => {
    const desk = await access.createWorkspace(admin(), rootId, 'Desk');
    const leaver = await createMember(server, { tenantId, username: 'leaver', workspaceRoles: [{ workspaceId: desk, role: 'editor' }] });
    const stayer = await createMember(server, { tenantId, username: 'stayer', workspaceRoles: [{ workspaceId: desk, role: 'member' }] });
    const group = await access.createGroup(admin(), tenantId, 'Desk group');
    await access.grant(admin(), desk, { groupId: group }, 'MEMBER');
    await trash(desk);
    await access.removeTenantMember(admin(), tenantId, leaver.userId);
    await ok(server, admin(), `mutation($g: ID!) { deleteGroup(input: { id: $g }) { authorizationSynced } }`, { g: group });
    await access.addTenantMember(admin(), tenantId, { userId: leaver.userId });
    expect((await send(RESTORE, { id: desk })).errors).toBeUndefined();
    const grants = await grantsOf(desk);
    const holders = grants.map((g) => g.user_id ?? g.group_id);
    expect(holders).toContain(stayer.userId);
    expect(holders).not.toContain(leaver.userId);
    expect(holders).not.toContain(group);
    expect(holders).toHaveLength(2); // the stayer and the creator
    const tuples = (await relationshipsOf(desk)).map((r) => `${r.relation}@${r.subject.type}:${r.subject.id}`);
    expect(tuples.some((t) => t.includes(leaver.userId) || t.includes(group))).toBe(false);
    expect(tuples).toContain(`member@user:${stayer.userId}`);
  });

  it('purgeWorkspace erases a trashed workspace for tenant admins; a live one is WORKSPACE_NOT_DELETED', async () => {
    const doomed = await access.createWorkspace(admin(), rootId, 'Doomed');
    const below = await access.createWorkspace(admin(), doomed, 'Below');
    await access.grant(admin(), below, { userId: worker.userId }, 'MEMBER');
    expect(refusal(await send(PURGE, { id: doomed }))).toMatchObject({ code: 'CONFLICT', reason: 'WORKSPACE_NOT_DELETED' });
    await trash(below);
    await trash(doomed);
    expect(refusal(await send(PURGE, { id: doomed }, manager.headers)).code).toBe('NOT_FOUND');
    const purged = await send(PURGE, { id: doomed });
    expect(purged.data).toEqual({ purgeWorkspace: { purgedWorkspaceId: doomed, authorizationSynced: true } });
    const rows = await server.database.pool.query('SELECT id FROM workspaces WHERE id = ANY($1)', [[doomed, below]]);
    expect(rows.rows).toEqual([]);
    expect(await grantsOf(below)).toEqual([]);
    const entries = await server.database.pool.query<{ action: string; target_id: string; headline_id: string | null }>(
      `SELECT action, target_id, headline_id FROM audit_log WHERE action IN ('WORKSPACE_PURGED', 'WORKSPACE_ROLE_REVOKED') AND target_id = ANY($1) ORDER BY id`,
      [[doomed, below]],
    );
    expect(entries.rows.map((e) => [e.action, e.target_id, e.headline_id === null])).toEqual(
      expect.arrayContaining([['WORKSPACE_PURGED', doomed, true], ['WORKSPACE_PURGED', below, false], ['WORKSPACE_ROLE_REVOKED', below, false]]),
    );
    expect(refusal(await send(PURGE, { id: doomed })).code).toBe('NOT_FOUND');
  });

  it('another tenant, its admin key, _entities and aliases learn nothing about the trash', async () => {
    const hidden = await access.createWorkspace(admin(), rootId, 'Hidden trash');
    await trash(hidden);
    const { services } = server.runtime;
    const other = await services.uow.run((tx) => services.tenantCreation.insertWithRoot(tx, { name: 'Other', adminUserId: null }), TEST_SETUP);
    const stranger = await createMember(server, { tenantId: other.value.tenant.id, username: 'stranger', tenantRole: 'admin' });
    expect(refusal(await send(RESTORE, { id: hidden }, stranger.headers)).code).toBe('NOT_FOUND');
    expect(refusal(await send(PURGE, { id: hidden }, stranger.headers)).code).toBe('NOT_FOUND');
    expect((await send(TRASH, { t: tenantId }, stranger.headers)).data).toEqual({ tenant: null });
    const entities = await send(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Workspace { id name } } }`, { r: [{ __typename: 'Workspace', id: hidden }] });
    expect(entities.data).toEqual({ _entities: [null] });
    const aliased = await send(`query($id: ID!) { a: workspace(id: $id) { id } b: workspace(id: $id) { deletedAt } }`, { id: hidden });
    expect(aliased.data).toEqual({ a: null, b: null });
    // The tenant's own admin is told apart from a stranger only in the tenant they administer.
    expect((await send(RESTORE, { id: hidden })).errors).toBeUndefined();
  });

  it('races: trash vs a grant or a child, restore vs a grant or the parent\'s trash leave PostgreSQL and SpiceDB in agreement', async () => {
    const GRANT = `mutation($w: ID!, $u: ID!) { grantWorkspaceRole(input: { workspaceId: $w, userId: $u, role: MEMBER }) { authorizationSynced } }`;
    const CREATE = `mutation($p: ID!, $n: String!) { createWorkspace(input: { parentId: $p, name: $n }) { workspace { id } } }`;
    const allowed = new Set(['NOT_FOUND', 'CONFLICT']);
    const codes = (responses: GraphQLResponse[]) => responses.flatMap((r) => (r.errors ?? []).map((e) => e.extensions.code));
    for (let i = 0; i < 8; i += 1) {
      const parent = await access.createWorkspace(admin(), rootId, `Race parent ${i}`);
      const child = await access.createWorkspace(admin(), parent, `Race child ${i}`);
      // Trash vs a grant, and trash of the parent vs a new child.
      const first = await Promise.all([send(DELETE_WORKSPACE, { id: child }), send(GRANT, { w: child, u: worker.userId })]);
      await send(DELETE_WORKSPACE, { id: child }); // in the trash either way (NOT_FOUND when the race trashed it already)
      const second = await Promise.all([send(DELETE_WORKSPACE, { id: parent }), send(CREATE, { p: parent, n: `Late ${i}` })]);
      // Restore vs a grant; restore of the child vs the parent's trash.
      const third = await Promise.all([send(RESTORE, { id: parent }), send(GRANT, { w: parent, u: worker.userId })]);
      const fourth = await Promise.all([send(RESTORE, { id: child }), send(DELETE_WORKSPACE, { id: parent })]);
      for (const code of codes([...first, ...second, ...third, ...fourth])) expect(allowed, code).toContain(code);
      // Never a live workspace under a trashed (or missing) parent.
      const orphans = await server.database.pool.query(
        `SELECT c.id FROM workspaces c JOIN workspaces p ON p.id = c.parent_id WHERE c.deleted_at IS NULL AND p.deleted_at IS NOT NULL`,
      );
      expect(orphans.rows).toEqual([]);
    }
    await outboxSettled(server);
    const diff = await reconcileSpiceDb(server.database.db, server.runtime.spicedb, captureLogs('silent').logger, { connectionString: server.database.url, dryRun: true });
    expect({ missing: diff.missing, extra: diff.extra }).toEqual({ missing: 0, extra: 0 });
  });

  it('after WORKSPACE_RETENTION_DAYS the retention purges the trash as SYSTEM', async () => {
    const old = await access.createWorkspace(admin(), rootId, 'Old trash');
    const fresh = await access.createWorkspace(admin(), rootId, 'Fresh trash');
    await trash(old);
    await trash(fresh);
    await server.database.pool.query(`UPDATE workspaces SET deleted_at = now() - interval '31 days' WHERE id = $1`, [old]);
    expect(await server.runtime.services.workspaceTrash.purgeExpired(new Date())).toBe(1);
    const left = await server.database.pool.query('SELECT id FROM workspaces WHERE id = ANY($1)', [[old, fresh]]);
    expect(left.rows).toEqual([{ id: fresh }]);
    const entry = await server.database.pool.query(`SELECT via, job FROM audit_log WHERE action = 'WORKSPACE_PURGED' AND target_id = $1`, [old]);
    expect(entry.rows).toEqual([{ via: 'SYSTEM', job: 'retention' }]);
    // Later, by the clock, the fresh one's time comes too (with everything else in the trash).
    expect(await server.runtime.services.workspaceTrash.purgeExpired(new Date(Date.now() + 31 * DAY_MS))).toBeGreaterThanOrEqual(1);
    expect((await server.database.pool.query('SELECT id FROM workspaces WHERE id = $1', [fresh])).rows).toEqual([]);
    expect((await server.database.pool.query('SELECT count(*)::int AS n FROM workspaces WHERE deleted_at IS NOT NULL')).rows).toEqual([{ n: 0 }]);
    await outboxSettled(server);
  });
});
