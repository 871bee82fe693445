import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../../src/cli/audit-command.js';
import { Access, ok, refusal, signIn, type Person } from '../../support/access.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, DELETE_TENANT, RENAME_WORKSPACE } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const ENTRY_FIELDS = `id occurredAt action outcome actor { id username } actorUsername via apiKeyId targetType targetId targetName
  subjectType subjectId tenantId requestId headlineId permission changes { field before after }`;

const TENANT_LOG = `query($t: ID!, $first: Int, $after: String, $action: AuditAction, $actorId: ID, $targetId: ID, $outcome: AuditOutcome, $since: DateTime, $until: DateTime) {
  tenant(id: $t) { auditLog(first: $first, after: $after, action: $action, actorId: $actorId, targetId: $targetId, outcome: $outcome, since: $since, until: $until) {
    nodes { ${ENTRY_FIELDS} } edges { cursor } pageInfo { hasNextPage endCursor } } }
}`;

const WORKSPACE_LOG = `query($w: ID!, $first: Int, $action: AuditAction) {
  workspace(id: $w) { auditLog(first: $first, action: $action) { nodes { ${ENTRY_FIELDS} } pageInfo { hasNextPage endCursor } } }
}`;

export interface Entry {
  id: string;
  occurredAt: string;
  action: string;
  outcome: string;
  actor: { id: string; username: string } | null;
  actorUsername: string | null;
  via: string;
  apiKeyId: string | null;
  targetType: string;
  targetId: string;
  targetName: string | null;
  subjectType: string | null;
  subjectId: string | null;
  tenantId: string | null;
  requestId: string | null;
  headlineId: string | null;
  permission: string | null;
  changes: { field: string; before: string | null; after: string | null }[];
}

interface LogPage {
  nodes: Entry[];
  edges: { cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('the audit log', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let logs: CapturedLogs;
  let access: Access;
  let owner: Person;
  let bob: Person;
  let carol: Person;
  let outsider: Person;
  let t: string;
  let root: string;
  let finance: string;

  const tenantLog = async (as: Record<string, string>, variables: Record<string, unknown> = {}): Promise<LogPage> => {
    const data = await ok<{ tenant: { auditLog: LogPage } }>(server, as, TENANT_LOG, { t, first: 500, ...variables });
    return data.tenant.auditLog;
  };
  const rowCount = async (): Promise<number> => Number((await server.database.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE tenant_id IS NOT NULL')).rows[0]?.n);
  const rowCountOf = async (tenantId: string): Promise<number> =>
    Number((await server.database.pool.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE tenant_id = $1', [tenantId])).rows[0]?.n);
  const entriesOfRequest = async (requestId: string): Promise<Entry[]> => (await tenantLog(owner.headers)).nodes.filter((e) => e.requestId === requestId);
  const send = (as: Record<string, string>, query: string, variables: Record<string, unknown>, requestId: string) =>
    server.gql(query, variables, { ...as, 'x-request-id': requestId });

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    logs = captureLogs();
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, LOG_LEVEL: 'info', AUDIT_DENIED_PER_MINUTE: '3' }, { logger: logs.logger });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner');
    bob = await signIn(server, oidc, 'bob');
    carol = await signIn(server, oidc, 'carol');
    outsider = await signIn(server, oidc, 'outsider');
    const created = await send(owner.headers, CREATE_TENANT, { name: 'Acme' }, 'create-acme');
    const tenant = (created.data as { createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }).createTenant.tenant;
    t = tenant.id;
    root = tenant.rootWorkspace.id;
    finance = await access.createWorkspace(owner.headers, root, 'Finance');
    await access.addTenantMember(owner.headers, t, { userId: bob.id });
    await access.addTenantMember(owner.headers, t, { userId: carol.id });
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it('records a tenant creation as the creator, via OIDC, with its root and first admin in the same request', async () => {
    const entries = await entriesOfRequest('create-acme');
    expect(entries.map((e) => e.action).sort()).toEqual(['TENANT_CREATED', 'TENANT_MEMBER_ADDED', 'WORKSPACE_CREATED']);
    const headline = entries.find((e) => e.action === 'TENANT_CREATED');
    expect(headline).toMatchObject({
      outcome: 'SUCCEEDED', actor: { id: owner.id, username: 'owner' }, actorUsername: 'owner', via: 'OIDC', apiKeyId: null,
      targetType: 'tenant', targetId: t, targetName: 'Acme', tenantId: t, headlineId: null, permission: null,
      changes: [{ field: 'name', before: null, after: 'Acme' }],
    });
    for (const e of entries.filter((x) => x !== headline)) expect(e.headlineId).toBe(headline?.id);
    expect(entries.find((e) => e.action === 'TENANT_MEMBER_ADDED')).toMatchObject({ subjectType: 'user', subjectId: owner.id, changes: [{ field: 'role', before: null, after: 'admin' }] });
  });

  it('records who gave Bob admin on Finance, and when; a change of role gives the old and the new role', async () => {
    const grant = await send(owner.headers, `mutation($w: ID!, $u: ID!) { grantWorkspaceRole(input: { workspaceId: $w, userId: $u, role: EDITOR }) { authorizationSynced } }`, { w: finance, u: bob.id }, 'grant-bob');
    expect(grant.errors).toBeUndefined();
    const change = await send(owner.headers, `mutation($w: ID!, $u: ID!) { grantWorkspaceRole(input: { workspaceId: $w, userId: $u, role: ADMIN }) { authorizationSynced } }`, { w: finance, u: bob.id }, 'promote-bob');
    expect(change.errors).toBeUndefined();
    const found = await tenantLog(owner.headers, { targetId: finance, action: 'WORKSPACE_ROLE_GRANTED' });
    expect(found.nodes.filter((e) => e.subjectId === bob.id).map((e) => ({ requestId: e.requestId, by: e.actorUsername, subject: e.subjectId, name: e.targetName, changes: e.changes }))).toEqual([
      { requestId: 'promote-bob', by: 'owner', subject: bob.id, name: 'Finance', changes: [{ field: 'role', before: 'editor', after: 'admin' }] },
      { requestId: 'grant-bob', by: 'owner', subject: bob.id, name: 'Finance', changes: [{ field: 'role', before: null, after: 'editor' }] },
    ]);
    expect(new Date(found.nodes[0]?.occurredAt ?? 0).getTime()).toBeGreaterThanOrEqual(new Date(found.nodes[1]?.occurredAt ?? 0).getTime());
  });

  it('records a rename with before and after, the name at the time, and an API key as API_KEY with its id', async () => {
    const key = await ok<{ createApiKey: { secret: string; apiKey: { id: string } } }>(server, owner.headers, `mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "ci" }) { secret apiKey { id } } }`, { t });
    const keyHeaders = { 'x-api-key': key.createApiKey.secret };
    const renamed = await send(keyHeaders, RENAME_WORKSPACE, { id: finance, name: 'Finance & Ops' }, 'rename-finance');
    expect(renamed.errors).toBeUndefined();
    await send(owner.headers, RENAME_WORKSPACE, { id: finance, name: 'Finance' }, 'rename-back');
    const [entry] = await entriesOfRequest('rename-finance');
    expect(entry).toMatchObject({
      action: 'WORKSPACE_RENAMED', via: 'API_KEY', apiKeyId: key.createApiKey.apiKey.id, actor: { id: owner.id }, targetType: 'workspace', targetId: finance,
      targetName: 'Finance & Ops', changes: [{ field: 'name', before: 'Finance', after: 'Finance & Ops' }],
    });
    const created = (await tenantLog(owner.headers, { action: 'API_KEY_CREATED' })).nodes[0];
    expect(created).toMatchObject({ targetId: key.createApiKey.apiKey.id, targetName: 'ci', subjectId: owner.id });
    // Secrets never appear.
    const raw = (await server.database.pool.query<{ row: string }>('SELECT row_to_json(a)::text AS row FROM audit_log a')).rows.map((r) => r.row).join('\n');
    expect(raw).not.toContain(key.createApiKey.secret);
    expect(raw).not.toContain(key.createApiKey.secret.slice(-20));
  });

  it('records every kind of mutation with its action', async () => {
    await access.addTenantMember(owner.headers, t, { userId: outsider.id });
    await ok(server, owner.headers, `mutation($t: ID!, $u: ID!) { changeTenantMemberRole(input: { tenantId: $t, userId: $u, role: ADMIN }) { authorizationSynced } }`, { t, u: outsider.id });
    const g = await access.createGroup(owner.headers, t, 'Auditors');
    await ok(server, owner.headers, `mutation($g: ID!) { renameGroup(input: { id: $g, name: "Auditors 2" }) { authorizationSynced } }`, { g });
    await access.addGroupMember(owner.headers, g, carol.id);
    await ok(server, owner.headers, `mutation($g: ID!, $u: ID!) { changeGroupMemberRole(input: { groupId: $g, userId: $u, role: ADMIN }) { authorizationSynced } }`, { g, u: carol.id });
    await ok(server, owner.headers, `mutation($g: ID!, $u: ID!) { removeGroupMember(input: { groupId: $g, userId: $u }) { authorizationSynced } }`, { g, u: carol.id });
    await access.grant(owner.headers, finance, { groupId: g }, 'MEMBER');
    await access.revoke(owner.headers, finance, { groupId: g });
    await ok(server, owner.headers, `mutation($g: ID!) { deleteGroup(input: { id: $g }) { authorizationSynced } }`, { g });
    const key = await ok<{ createApiKey: { apiKey: { id: string } } }>(server, owner.headers, `mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "temp" }) { apiKey { id } } }`, { t });
    await ok(server, owner.headers, `mutation($k: ID!) { revokeApiKey(input: { id: $k }) { authorizationSynced } }`, { k: key.createApiKey.apiKey.id });
    await ok(server, owner.headers, `mutation($t: ID!, $u: ID!) { changeTenantMemberRole(input: { tenantId: $t, userId: $u, role: MEMBER }) { authorizationSynced } }`, { t, u: outsider.id });
    await access.removeTenantMember(owner.headers, t, outsider.id);
    const actions = new Set((await tenantLog(owner.headers)).nodes.map((e) => e.action));
    for (const action of [
      'TENANT_CREATED', 'TENANT_MEMBER_ADDED', 'TENANT_MEMBER_ROLE_CHANGED', 'TENANT_MEMBER_REMOVED', 'WORKSPACE_CREATED', 'WORKSPACE_RENAMED',
      'WORKSPACE_ROLE_GRANTED', 'WORKSPACE_ROLE_REVOKED', 'GROUP_CREATED', 'GROUP_RENAMED', 'GROUP_DELETED', 'GROUP_MEMBER_ADDED',
      'GROUP_MEMBER_ROLE_CHANGED', 'GROUP_MEMBER_REMOVED', 'API_KEY_CREATED', 'API_KEY_REVOKED',
    ]) {
      expect(actions, action).toContain(action);
    }
    const role = (await tenantLog(owner.headers, { action: 'TENANT_MEMBER_ROLE_CHANGED', targetId: t })).nodes.map((e) => e.changes);
    expect(role).toEqual([[{ field: 'role', before: 'admin', after: 'member' }], [{ field: 'role', before: 'member', after: 'admin' }]]);
    const deleted = (await tenantLog(owner.headers, { action: 'GROUP_DELETED' })).nodes[0];
    expect(deleted).toMatchObject({ targetId: g, targetName: 'Auditors 2' });
  });

  it("an off-boarding is one request: the removal and each grant, membership and key it took, all with its requestId", async () => {
    const dave = await signIn(server, oidc, 'dave');
    await access.addTenantMember(owner.headers, t, { userId: dave.id });
    await access.grant(owner.headers, finance, { userId: dave.id }, 'EDITOR');
    const g = await access.createGroup(owner.headers, t, 'Dave club');
    await access.addGroupMember(owner.headers, g, dave.id);
    await ok(server, dave.headers, `mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "dave laptop" }) { apiKey { id } } }`, { t });
    const removed = await send(owner.headers, `mutation($t: ID!, $u: ID!) { removeTenantMember(input: { tenantId: $t, userId: $u }) { removedUserId } }`, { t, u: dave.id }, 'offboard-dave');
    expect(removed.errors).toBeUndefined();
    const entries = await entriesOfRequest('offboard-dave');
    const headline = entries.find((e) => e.headlineId === null);
    expect(headline).toMatchObject({ action: 'TENANT_MEMBER_REMOVED', subjectId: dave.id, actorUsername: 'owner' });
    expect(entries.filter((e) => e !== headline).map((e) => [e.action, e.targetName, e.headlineId]).sort()).toEqual(
      [
        ['API_KEY_REVOKED', 'dave laptop', headline?.id],
        ['GROUP_MEMBER_REMOVED', 'Dave club', headline?.id],
        ['WORKSPACE_ROLE_REVOKED', 'Finance', headline?.id],
      ].sort(),
    );
  });

  it('refusals write nothing, except a DENIED entry, bounded per principal, for FORBIDDEN', async () => {
    const before = await rowCount();
    // NOT_FOUND (hidden from the outsider, who left), BAD_USER_INPUT, CONFLICT: nothing.
    const hidden = await server.gql(RENAME_WORKSPACE, { id: finance, name: 'X' }, outsider.headers);
    expect(refusal(hidden).code).toBe('NOT_FOUND');
    const bad = await server.gql(RENAME_WORKSPACE, { id: finance, name: '   ' }, owner.headers);
    expect(refusal(bad).code).toBe('BAD_USER_INPUT');
    const conflict = await server.gql(`mutation($w: ID!) { deleteWorkspace(input: { id: $w }) { deletedWorkspaceId } }`, { w: root }, owner.headers);
    expect(refusal(conflict).code).toBe('CONFLICT');
    expect(await rowCount()).toBe(before);
    // Carol, a tenant member, may view Finance but not manage it.
    await access.grant(owner.headers, finance, { userId: carol.id }, 'MEMBER');
    const countAfterGrant = await rowCount();
    const denied = await send(carol.headers, RENAME_WORKSPACE, { id: finance, name: 'Mine' }, 'carol-denied');
    expect(refusal(denied)).toMatchObject({ code: 'FORBIDDEN' });
    expect(await rowCount()).toBe(countAfterGrant + 1);
    const [entry] = (await tenantLog(owner.headers, { outcome: 'DENIED' })).nodes;
    expect(entry).toMatchObject({
      action: 'WORKSPACE_RENAMED', outcome: 'DENIED', permission: 'manage', actor: { id: carol.id }, via: 'OIDC', targetType: 'workspace',
      targetId: finance, targetName: 'Finance', requestId: 'carol-denied', changes: [],
    });
    const name = await server.database.pool.query<{ name: string }>('SELECT name FROM workspaces WHERE id = $1', [finance]);
    expect(name.rows[0]?.name).toBe('Finance');
    // A loop of refusals: at most AUDIT_DENIED_PER_MINUTE (3 here) per principal and minute.
    for (let i = 0; i < 6; i += 1) expect(refusal(await server.gql(RENAME_WORKSPACE, { id: finance, name: `Mine ${i}` }, carol.headers)).code).toBe('FORBIDDEN');
    const carolDenied = await server.database.pool.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE actor_id = $1 AND outcome = 'DENIED'`, [carol.id]);
    expect(Number(carolDenied.rows[0]?.n)).toBe(3);
  });

  it('is append-only: UPDATE, DELETE and TRUNCATE fail; only the purge function deletes, and only older entries', async () => {
    const before = await rowCount();
    await expect(server.database.pool.query(`UPDATE audit_log SET actor_username = 'someone else'`)).rejects.toThrow(/append-only/);
    await expect(server.database.pool.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
    await expect(server.database.pool.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only/);
    // Setting the purge's cutoff by hand does not allow an UPDATE either.
    const client = await server.database.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT set_config('iam.audit_purge_before', '3000-01-01', true)`);
      await expect(client.query(`UPDATE audit_log SET target_name = 'x'`)).rejects.toThrow(/append-only/);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await rowCount()).toBe(before);
    const purged = await server.database.pool.query<{ n: string }>(`SELECT purge_audit_log(now() - interval '1 day') AS n`);
    expect(purged.rows[0]?.n).toBe('0');
    expect(await rowCount()).toBe(before);
    // And after the purge, a plain DELETE in the same session still fails (the setting is cleared).
    await expect(server.database.pool.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only/);
  });

  it('a change whose entry cannot be written does not commit', async () => {
    // The entry is refused (a constraint made for the test), so the group must not exist either.
    await server.database.pool.query(`ALTER TABLE audit_log ADD CONSTRAINT test_refuse_groups CHECK (action <> 'GROUP_CREATED') NOT VALID`);
    try {
      const created = await server.gql(`mutation($t: ID!) { createGroup(input: { tenantId: $t, name: "Unrecorded" }) { group { id } } }`, { t }, owner.headers);
      expect(refusal(created).code).toBe('INTERNAL_SERVER_ERROR');
      const rows = await server.database.pool.query(`SELECT id FROM groups WHERE name = 'Unrecorded'`);
      expect(rows.rows).toEqual([]);
      const outbox = await server.database.pool.query(`SELECT seq FROM outbox WHERE payload->>'name' = 'Unrecorded'`);
      expect(outbox.rows).toEqual([]);
    } finally {
      await server.database.pool.query('ALTER TABLE audit_log DROP CONSTRAINT test_refuse_groups');
    }
  });

  it('Tenant.auditLog is for tenant admins: FORBIDDEN for members, hidden from outsiders', async () => {
    const member = await server.gql(TENANT_LOG, { t }, carol.headers);
    expect(refusal(member).code).toBe('FORBIDDEN');
    // Outsiders cannot see the tenant at all: it is null, as for a tenant that does not exist.
    const stranger = await server.gql(TENANT_LOG, { t }, outsider.headers);
    expect(stranger.data).toEqual({ tenant: null });
  });

  it("another tenant's API key sees no log of this tenant and leaves no entry in it", async () => {
    const theirs = await ok<{ createTenant: { tenant: { id: string } } }>(server, outsider.headers, CREATE_TENANT, { name: 'Theirs' });
    const key = await ok<{ createApiKey: { secret: string } }>(server, outsider.headers, `mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "theirs" }) { secret } }`, { t: theirs.createTenant.tenant.id });
    const headers = { 'x-api-key': key.createApiKey.secret };
    const before = await rowCountOf(t);
    expect((await server.gql(TENANT_LOG, { t }, headers)).data).toEqual({ tenant: null });
    expect((await server.gql(WORKSPACE_LOG, { w: finance }, headers)).data).toEqual({ workspace: null });
    const entities = await server.gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Tenant { auditLog { nodes { id } } } } }`, { r: [{ __typename: 'Tenant', id: t }] }, headers);
    expect(entities.data).toEqual({ _entities: [null] });
    expect(refusal(await server.gql(RENAME_WORKSPACE, { id: finance, name: 'Taken over' }, headers)).code).toBe('NOT_FOUND');
    expect(await rowCountOf(t)).toBe(before);
  });

  it('Workspace.auditLog covers the workspace and its subtree, for whoever may manage it', async () => {
    const sub = await access.createWorkspace(owner.headers, finance, 'Payroll');
    const elsewhere = await access.createWorkspace(owner.headers, root, 'Elsewhere');
    const log = await ok<{ workspace: { auditLog: LogPage } }>(server, bob.headers, WORKSPACE_LOG, { w: finance, first: 500 });
    const targets = new Set(log.workspace.auditLog.nodes.map((e) => e.targetId));
    expect(targets).toEqual(new Set([finance, sub]));
    expect(targets.has(elsewhere)).toBe(false);
    const denied = await server.gql(WORKSPACE_LOG, { w: finance }, carol.headers);
    expect(refusal(denied).code).toBe('FORBIDDEN');
    const hidden = await server.gql(WORKSPACE_LOG, { w: elsewhere }, bob.headers);
    expect(hidden.data).toEqual({ workspace: null });
  });

  it('filters by action, actor, target, outcome and time, pages newest first without gaps or repeats', async () => {
    const all = (await tenantLog(owner.headers)).nodes;
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page: LogPage = await tenantLog(owner.headers, { first: 7, after });
      seen.push(...page.nodes.map((e) => e.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(all.map((e) => e.id));
    const times = all.map((e) => new Date(e.occurredAt).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect((await tenantLog(owner.headers, { actorId: carol.id })).nodes.every((e) => e.actor?.id === carol.id)).toBe(true);
    expect((await tenantLog(owner.headers, { actorId: carol.id })).nodes.length).toBeGreaterThan(0);
    expect((await tenantLog(owner.headers, { action: 'GROUP_CREATED' })).nodes.every((e) => e.action === 'GROUP_CREATED')).toBe(true);
    const middle = all[Math.floor(all.length / 2)]?.occurredAt ?? '';
    const since = (await tenantLog(owner.headers, { since: middle })).nodes;
    expect(since.length).toBeGreaterThan(0);
    expect(since.every((e) => e.occurredAt >= middle)).toBe(true);
    const until = (await tenantLog(owner.headers, { until: middle })).nodes;
    expect(until.every((e) => e.occurredAt < middle)).toBe(true);
    expect(since.length + until.length).toBe(all.length);
    const bad = await server.gql(TENANT_LOG, { t, after: Buffer.from(JSON.stringify(['not a time', all[0]?.id])).toString('base64url') }, owner.headers);
    expect(refusal(bad)).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'INVALID_CURSOR' });
  });

  it('a page of 100 costs the same statements as a page of 5', async () => {
    // Enough entries for a full page.
    for (let i = 0; i < 60; i += 1) await ok(server, owner.headers, RENAME_WORKSPACE, { id: finance, name: `Finance ${i}` });
    const cost = async (first: number) => {
      const response = await server.gql<{ tenant: { auditLog: LogPage } }>(TENANT_LOG, { t, first }, owner.headers);
      expect(response.data?.tenant.auditLog.nodes).toHaveLength(first);
      const line = await requestLine(logs, response.headers);
      return line.sql;
    };
    // The first request after the writes also learns which tenants they touched (answer-cache.ts): paid here.
    await cost(5);
    expect(await cost(100)).toBe(await cost(5));
    const workspaceCost = async (first: number) => {
      const response = await server.gql<{ workspace: { auditLog: LogPage } }>(WORKSPACE_LOG, { w: finance, first }, owner.headers);
      expect(response.data?.workspace.auditLog.nodes).toHaveLength(first);
      return (await requestLine(logs, response.headers)).sql;
    };
    expect(await workspaceCost(40)).toBe(await workspaceCost(5));
  });

  it('keeps the entries of a deleted tenant, with its consequences', async () => {
    const other = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Doomed' });
    const doomed = other.createTenant.tenant.id;
    await access.createWorkspace(owner.headers, other.createTenant.tenant.rootWorkspace.id, 'Doomed child');
    const deleted = await send(owner.headers, DELETE_TENANT, { id: doomed }, 'delete-doomed');
    expect(deleted.errors).toBeUndefined();
    const rows = await server.database.pool.query<{ action: string; target_name: string | null; headline_id: string | null }>(
      `SELECT action, target_name, headline_id FROM audit_log WHERE request_id = 'delete-doomed' ORDER BY action, target_name`,
    );
    expect(rows.rows.map((r) => [r.action, r.target_name])).toEqual([
      ['TENANT_DELETED', 'Doomed'],
      ['TENANT_MEMBER_REMOVED', 'Doomed'],
      ['WORKSPACE_DELETED', 'Doomed child'],
      ['WORKSPACE_DELETED', 'Root'],
      ['WORKSPACE_ROLE_REVOKED', 'Doomed child'],
    ]);
    expect(rows.rows.filter((r) => r.headline_id === null).map((r) => r.action)).toEqual(['TENANT_DELETED']);

    // The export has them, as JSON Lines, oldest first, only that tenant's with --tenant.
    const lines: string[] = [];
    const code = await runAuditCommand(['export', '--tenant', doomed], server.database.url, { log: (l) => lines.push(l), error: (l) => lines.push(`ERR ${l}`) });
    expect(code).toBe(0);
    const exported = lines.map((l) => JSON.parse(l) as Entry);
    expect(exported.every((e) => e.tenantId === doomed)).toBe(true);
    expect(exported[0]?.action).toBe('TENANT_CREATED');
    expect(exported.filter((e) => e.requestId === 'delete-doomed')).toHaveLength(5);
    const times = exported.map((e) => e.occurredAt);
    expect([...times].sort()).toEqual(times);
    expect(await runAuditCommand(['export', '--since', 'yesterday-ish'], server.database.url, { log: () => undefined, error: () => undefined })).toBe(2);
  });

  it('npm run audit -- export runs as its own process, with a time window', async () => {
    const since = new Date(Date.now() - 60 * 60 * 1000).toISOString();
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'src/cli/audit.ts', 'export', '--tenant', t, '--since', since], {
      env: { ...process.env, DATABASE_URL: server.database.url, LOG_LEVEL: 'silent' },
      maxBuffer: 64 * 1024 * 1024,
    });
    const exported = stdout.trim().split('\n').map((l) => JSON.parse(l) as Entry);
    expect(exported.length).toBe(await rowCountOf(t));
    expect(exported.some((e) => e.outcome === 'DENIED' && e.permission === 'manage')).toBe(true);
  });
});
