import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, ok, refusal, signIn, type Person } from '../../support/access.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * accessExplanation and usersWithAccess, read from PostgreSQL, against SpiceDB's own answers
 * (checkPermissions asked by each user) over a tree with user grants, group grants, tenant admins
 * and a move:
 *
 *   root ── p ── q ── r ── s           owner: tenant admin (and ADMIN on all it created)
 *      └── x ── x1   (then moved under r)
 *   una: ADMIN on q · gus: in group "editors", EDITOR on p · ida: MEMBER on r, and in "viewers", MEMBER on s
 *   max: MEMBER on x · tia: second tenant admin · pat: tenant member only · out: no member
 */
const PERMISSIONS = ['VIEW', 'EDIT', 'MANAGE', 'CREATE_CHILD'] as const;
const EXPLAIN = /* GraphQL */ `query Explain($id: ID!, $userId: ID) {
  workspace(id: $id) {
    VIEW: accessExplanation(permission: VIEW, userId: $userId) { ...E }
    EDIT: accessExplanation(permission: EDIT, userId: $userId) { ...E }
    MANAGE: accessExplanation(permission: MANAGE, userId: $userId) { ...E }
    CREATE_CHILD: accessExplanation(permission: CREATE_CHILD, userId: $userId) { ...E }
  }
}
fragment E on AccessExplanation { allowed paths { source inherited grantedOn { id name } viaGroup { id name } } }`;
const HOLDERS = /* GraphQL */ `query Holders($id: ID!, $permission: Permission!, $first: Int, $after: String) {
  workspace(id: $id) { usersWithAccess(permission: $permission, first: $first, after: $after) { nodes { id username } pageInfo { hasNextPage endCursor } } }
}`;
const CHECK = /* GraphQL */ `query Check($checks: [PermissionCheckInput!]!) { checkPermissions(checks: $checks) { allowed } }`;

type Path = { source: string; inherited: boolean; grantedOn: { id: string; name: string } | null; viaGroup: { id: string; name: string } | null };
type Explanation = { allowed: boolean; paths: Path[] };
type HolderPage = { workspace: { usersWithAccess: { nodes: { username: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } };
type Explained = { workspace: Record<(typeof PERMISSIONS)[number], Explanation> | null };

describe('accessExplanation and usersWithAccess', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let logs: CapturedLogs;
  let access: Access;
  const people: Record<string, Person> = {};
  const ws: Record<string, string> = {};
  const groups: Record<string, string> = {};
  let tenantId: string;

  const explain = async (as: Person, workspace: string, userId?: string) => {
    const response = await server.gql<Explained>(EXPLAIN, { id: ws[workspace], ...(userId ? { userId } : {}) }, as.headers);
    return response;
  };
  const holders = async (as: Person, workspace: string, permission: string): Promise<string[]> => {
    const names: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 20; guard += 1) {
      const page: HolderPage = await ok<HolderPage>(server, as.headers, HOLDERS, { id: ws[workspace], permission, first: 2, after });
      names.push(...page.workspace.usersWithAccess.nodes.map((n) => n.username));
      if (!page.workspace.usersWithAccess.pageInfo.hasNextPage) return names;
      after = page.workspace.usersWithAccess.pageInfo.endCursor;
    }
    throw new Error('pages did not end');
  };

  beforeAll(async () => {
    logs = captureLogs();
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience, LOG_LEVEL: 'info' }, { logger: logs.logger });
    access = new Access(server);
    for (const name of ['owner', 'una', 'gus', 'ida', 'max', 'tia', 'pat', 'out']) people[name] = await signIn(server, oidc, name);
    const owner = people.owner as Person;
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Explained' });
    tenantId = created.createTenant.tenant.id;
    ws.root = created.createTenant.tenant.rootWorkspace.id;
    ws.p = await access.createWorkspace(owner.headers, ws.root, 'p');
    ws.q = await access.createWorkspace(owner.headers, ws.p, 'q');
    ws.r = await access.createWorkspace(owner.headers, ws.q, 'r');
    ws.s = await access.createWorkspace(owner.headers, ws.r, 's');
    ws.x = await access.createWorkspace(owner.headers, ws.root, 'x');
    ws.x1 = await access.createWorkspace(owner.headers, ws.x, 'x1');
    for (const name of ['una', 'gus', 'ida', 'max', 'pat']) await access.addTenantMember(owner.headers, tenantId, { userId: people[name]?.id ?? '' });
    await access.addTenantMember(owner.headers, tenantId, { userId: people.tia?.id ?? '' }, 'ADMIN');
    groups.editors = await access.createGroup(owner.headers, tenantId, 'editors');
    groups.viewers = await access.createGroup(owner.headers, tenantId, 'viewers');
    await access.addGroupMember(owner.headers, groups.editors, people.gus?.id ?? '');
    await access.addGroupMember(owner.headers, groups.viewers, people.ida?.id ?? '');
    await access.grant(owner.headers, ws.q, { userId: people.una?.id ?? '' }, 'ADMIN');
    await access.grant(owner.headers, ws.p, { groupId: groups.editors }, 'EDITOR');
    await access.grant(owner.headers, ws.r, { userId: people.ida?.id ?? '' }, 'MEMBER');
    await access.grant(owner.headers, ws.s, { groupId: groups.viewers }, 'MEMBER');
    await access.grant(owner.headers, ws.x, { userId: people.max?.id ?? '' }, 'MEMBER');
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  /** Whether a path names a grant PostgreSQL holds for the user (or their tenant role). */
  const pathHolds = async (userId: string, workspace: string, permission: string, path: Path): Promise<boolean> => {
    const db = server.database.pool;
    if (path.source === 'TENANT_ADMIN') return (await db.query(`SELECT 1 FROM tenant_members WHERE tenant_id = $1 AND user_id = $2 AND role = 'admin'`, [tenantId, userId])).rowCount === 1;
    if (path.source === 'TENANT_MEMBER') {
      return permission === 'CREATE_CHILD' && workspace === ws.root && (await db.query(`SELECT 1 FROM tenant_members WHERE tenant_id = $1 AND user_id = $2`, [tenantId, userId])).rowCount === 1;
    }
    const on = path.grantedOn?.id;
    if (!on) return false;
    const chain = await db.query(`SELECT 1 FROM workspace_ancestors WHERE workspace_id = $1 AND ancestor_id = $2 AND (distance > 0) = $3`, [workspace, on, path.inherited]);
    if (chain.rowCount !== 1) return false;
    const grant = path.viaGroup
      ? await db.query(`SELECT 1 FROM workspace_members m JOIN group_members g ON g.group_id = m.group_id WHERE m.workspace_id = $1 AND m.group_id = $2 AND g.user_id = $3 AND m.role = $4`, [
          on,
          path.viaGroup.id,
          userId,
          path.source.toLowerCase(),
        ])
      : await db.query(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 AND role = $3`, [on, userId, path.source.toLowerCase()]);
    return grant.rowCount === 1;
  };

  /** For every user and workspace: the explanation's `allowed` equals the user's own checkPermissions, each path's grant exists, usersWithAccess lists exactly those allowed. */
  const agreeWithSpiceDb = async () => {
    const users = ['owner', 'una', 'gus', 'ida', 'max', 'tia', 'pat'];
    const names = Object.keys(ws);
    const allowedBy = new Map<string, Set<string>>();
    for (const user of users) {
      const person = people[user] as Person;
      const checks = names.flatMap((w) => PERMISSIONS.map((permission) => ({ resourceType: 'WORKSPACE', resourceId: ws[w], permission })));
      const answers = (await ok<{ checkPermissions: { allowed: boolean }[] }>(server, person.headers, CHECK, { checks })).checkPermissions.map((a) => a.allowed);
      for (const [wi, w] of names.entries()) {
        const explained = await explain(people.owner as Person, w, person.id);
        expect(explained.errors, JSON.stringify(explained.errors)).toBeUndefined();
        for (const [pi, permission] of PERMISSIONS.entries()) {
          const explanation = explained.data?.workspace?.[permission];
          const spicedb = answers[wi * PERMISSIONS.length + pi];
          expect(explanation?.allowed, `${user} ${permission} ${w}`).toBe(spicedb);
          if (!explanation?.allowed) expect(explanation?.paths).toEqual([]);
          for (const path of explanation?.paths ?? []) expect(await pathHolds(person.id, ws[w] ?? '', permission, path), `${user} ${permission} ${w} ${JSON.stringify(path)}`).toBe(true);
          if (spicedb) {
            const key = `${w} ${permission}`;
            allowedBy.set(key, (allowedBy.get(key) ?? new Set()).add(user));
          }
        }
      }
    }
    for (const w of names) {
      for (const permission of PERMISSIONS) {
        const listed = await holders(people.owner as Person, w, permission);
        expect(new Set(listed).size, `each once: ${w} ${permission}`).toBe(listed.length);
        expect([...listed].sort(), `${w} ${permission}`).toEqual([...(allowedBy.get(`${w} ${permission}`) ?? [])].sort());
      }
    }
  };

  it('agrees with SpiceDB for every user, workspace and permission, and each path names a grant that exists', async () => {
    await agreeWithSpiceDb();
  });

  it('still agrees after a subtree moves under another grant', async () => {
    await ok(server, people.owner?.headers ?? {}, 'mutation($id: ID!, $to: ID!) { moveWorkspace(input: { id: $id, newParentId: $to }) { workspace { id depth } } }', { id: ws.x, to: ws.r });
    await agreeWithSpiceDb();
    // una's ADMIN on q now reaches x1 through r, two levels further up than before the move.
    const una = await explain(people.owner as Person, 'x1', people.una?.id);
    expect(una.data?.workspace?.MANAGE).toEqual({ allowed: true, paths: [{ source: 'ADMIN', inherited: true, grantedOn: { id: ws.q, name: 'q' }, viaGroup: null }] });
  });

  it('lists every path nearest first, groups named, the tenant admin last', async () => {
    const own = await explain(people.owner as Person, 's');
    // The owner created every workspace (ADMIN on each) and both groups (their admin, so a member).
    expect(own.data?.workspace?.VIEW.paths.map((p) => [p.source, p.grantedOn?.name ?? null, p.viaGroup?.name ?? null, p.inherited])).toEqual([
      ['ADMIN', 's', null, false],
      ['MEMBER', 's', 'viewers', false],
      ['ADMIN', 'r', null, true],
      ['ADMIN', 'q', null, true],
      ['ADMIN', 'p', null, true],
      ['EDITOR', 'p', 'editors', true],
      ['TENANT_ADMIN', null, null, false],
    ]);
    const ida = await explain(people.ida as Person, 's');
    expect(ida.data?.workspace?.VIEW).toEqual({
      allowed: true,
      paths: [
        { source: 'MEMBER', inherited: false, grantedOn: { id: ws.s, name: 's' }, viaGroup: { id: groups.viewers, name: 'viewers' } },
        { source: 'MEMBER', inherited: true, grantedOn: { id: ws.r, name: 'r' }, viaGroup: null },
      ],
    });
    expect(ida.data?.workspace?.EDIT).toEqual({ allowed: false, paths: [] });
    const gus = await explain(people.gus as Person, 's');
    expect(gus.data?.workspace?.EDIT.paths).toEqual([{ source: 'EDITOR', inherited: true, grantedOn: { id: ws.p, name: 'p' }, viaGroup: { id: groups.editors, name: 'editors' } }]);
    const pat = await explain(people.owner as Person, 'root', people.pat?.id);
    expect(pat.data?.workspace?.CREATE_CHILD).toEqual({ allowed: true, paths: [{ source: 'TENANT_MEMBER', inherited: false, grantedOn: null, viaGroup: null }] });
    expect(pat.data?.workspace?.VIEW).toEqual({ allowed: false, paths: [] });
  });

  it('hides the workspace and group of a grant on an ancestor the asking manager cannot view', async () => {
    // una manages r (ADMIN on q) but cannot view p, where gus's group holds EDITOR.
    const response = await explain(people.una as Person, 'r', people.gus?.id);
    expect(response.errors).toBeUndefined();
    expect(response.data?.workspace?.EDIT).toEqual({ allowed: true, paths: [{ source: 'EDITOR', inherited: true, grantedOn: null, viaGroup: null }] });
    expect(JSON.stringify(response)).not.toContain(ws.p);
    expect(JSON.stringify(response)).not.toContain('editors');
  });

  it('answers about another user only to a manager, and only about a tenant member', async () => {
    const forbidden = await explain(people.ida as Person, 'r', people.una?.id);
    expect(refusal(forbidden)).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_MANAGE_PERMISSION' });
    expect(forbidden.data?.workspace ?? null).toBeNull();
    const outsider = await explain(people.una as Person, 'r', people.out?.id);
    expect(refusal(outsider)).toEqual({ code: 'BAD_USER_INPUT', reason: 'NOT_A_TENANT_MEMBER', field: 'userId' });
    const undefinedPermission = await server.gql(`query($id: ID!) { workspace(id: $id) { accessExplanation(permission: ADMINISTRATE) { allowed } } }`, { id: ws.r }, people.una?.headers);
    expect(refusal(undefinedPermission)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PERMISSION_NOT_DEFINED', field: 'permission' });
    // About oneself anyone who views the workspace may ask; one they cannot view is simply not there.
    expect((await explain(people.ida as Person, 'r')).data?.workspace?.VIEW.allowed).toBe(true);
    expect((await explain(people.pat as Person, 'r')).data).toEqual({ workspace: null });
  });

  it('gives usersWithAccess to managers only, and refuses a permission a workspace does not define', async () => {
    const forbidden = await server.gql(HOLDERS, { id: ws.r, permission: 'VIEW' }, people.ida?.headers);
    expect(refusal(forbidden)).toMatchObject({ code: 'FORBIDDEN', reason: 'MISSING_MANAGE_PERMISSION' });
    const notDefined = await server.gql(HOLDERS, { id: ws.r, permission: 'REVOKE' }, people.una?.headers);
    expect(refusal(notDefined)).toEqual({ code: 'BAD_USER_INPUT', reason: 'PERMISSION_NOT_DEFINED', field: 'permission' });
    expect(await holders(people.una as Person, 's', 'MANAGE')).toEqual(['owner', 'tia', 'una']);
    const byDefault = await ok<{ workspace: { usersWithAccess: { nodes: { username: string }[] } } }>(server, people.una?.headers ?? {}, `query($id: ID!) { workspace(id: $id) { usersWithAccess { nodes { username } } } }`, { id: ws.s });
    expect(byDefault.workspace.usersWithAccess.nodes.map((n) => n.username)).toEqual(['gus', 'ida', 'owner', 'tia', 'una']);
  });

  it('explains a group grant three levels up in at most 3 statements and 1 SpiceDB call', async () => {
    const gus = people.gus as Person;
    const key = await ok<{ createApiKey: { secret: string } }>(server, gus.headers, 'mutation($t: ID!) { createApiKey(input: { tenantId: $t, name: "k" }) { secret } }', { t: tenantId });
    const headers = { 'x-api-key': key.createApiKey.secret };
    // The first request after that write learns which tenants it touched (answer-cache.ts): paid here, on another question.
    await ok(server, headers, 'query($t: ID!) { tenant(id: $t) { id } }', { t: tenantId });
    const query = `query($id: ID!) { workspace(id: $id) { accessExplanation(permission: EDIT) { allowed paths { source inherited grantedOn { id } viaGroup { name } } } } }`;
    for (const round of ['cold', 'warm']) {
      const response = await server.gql<{ workspace: { accessExplanation: Explanation } }>(query, { id: ws.s }, headers);
      expect(response.data?.workspace.accessExplanation.paths, round).toEqual([{ source: 'EDITOR', inherited: true, grantedOn: { id: ws.p }, viaGroup: { name: 'editors' } }]);
      const line = await requestLine(logs, response.headers);
      expect(line.sql, round).toBeLessThanOrEqual(3);
      expect(line.spicedb, round).toBeLessThanOrEqual(round === 'cold' ? 1 : 0);
    }
  });
});
