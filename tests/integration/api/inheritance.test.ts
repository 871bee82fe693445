import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Access, ok, refusal, signIn, type Person, type WorkspaceRoleName } from '../../support/access.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, CREATE_WORKSPACE, RENAME_WORKSPACE } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * A workspace role applies to the whole subtree below the workspace it was granted on: ADMIN
 * manages, EDITOR edits and creates children, MEMBER views. The same holds for a group's role, for
 * each of its members. Grants and revocations take effect in the granter's and the grantee's very
 * next request.
 *
 *   root ── top ── level 1 ── level 2 ── level 3
 */
const ALL = { view: true, edit: true, manage: true, createChild: true };
const EXPECTED: Record<WorkspaceRoleName, typeof ALL> = {
  ADMIN: ALL,
  EDITOR: { view: true, edit: true, manage: false, createChild: true },
  MEMBER: { view: true, edit: false, manage: false, createChild: false },
};

describe('workspace roles inherit down the tree', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let access: Access;
  let owner: Person;
  let tenantId: string;
  let root: string;

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    access = new Access(server);
    owner = await signIn(server, oidc, 'owner');
    const created = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, owner.headers, CREATE_TENANT, { name: 'Tree' });
    tenantId = created.createTenant.tenant.id;
    root = created.createTenant.tenant.rootWorkspace.id;
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  const cases: [WorkspaceRoleName, 'user' | 'group'][] = [
    ['ADMIN', 'user'],
    ['EDITOR', 'user'],
    ['MEMBER', 'user'],
    ['ADMIN', 'group'],
    ['EDITOR', 'group'],
    ['MEMBER', 'group'],
  ];

  it.each(cases)('%s granted to a %s on the top applies three levels down, and its revocation as well', async (role, via) => {
    const label = `${role.toLowerCase()}-${via}`;
    const top = await access.createWorkspace(owner.headers, root, `top ${label}`);
    const levels = [top];
    for (let depth = 1; depth <= 3; depth += 1) levels.push(await access.createWorkspace(owner.headers, levels.at(-1) ?? top, `level ${depth}`));
    const person = await signIn(server, oidc, label);
    await access.addTenantMember(owner.headers, tenantId, { userId: person.id });
    let subject: { userId: string } | { groupId: string } = { userId: person.id };
    if (via === 'group') {
      const groupId = await access.createGroup(owner.headers, tenantId, `group ${label}`);
      await access.addGroupMember(owner.headers, groupId, person.id);
      subject = { groupId };
    }
    for (const id of levels) expect(await access.permissions(person.headers, id)).toBeNull();

    await access.grant(owner.headers, top, subject, role);
    for (const id of levels) expect(await access.permissions(person.headers, id), `level ${levels.indexOf(id)}`).toEqual(EXPECTED[role]);
    // Nothing above the grant: the root stays hidden.
    expect(await access.permissions(person.headers, root)).toBeNull();

    const deepest = levels.at(-1) ?? top;
    const child = await server.gql<{ createWorkspace: { workspace: { id: string } } }>(CREATE_WORKSPACE, { parentId: deepest, name: `child by ${label}` }, person.headers);
    if (EXPECTED[role].createChild) expect(child.errors).toBeUndefined();
    else expect(refusal(child)).toMatchObject({ code: 'FORBIDDEN' });
    const rename = await server.gql(RENAME_WORKSPACE, { id: deepest, name: `renamed by ${label}` }, person.headers);
    if (EXPECTED[role].manage) expect(rename.errors).toBeUndefined();
    else expect(refusal(rename)).toMatchObject({ code: 'FORBIDDEN' });

    await access.revoke(owner.headers, top, subject);
    for (const id of levels) expect(await access.permissions(person.headers, id)).toBeNull();
  });

  it('an inherited role adds to a lower direct one; revoking the direct one leaves the inherited', async () => {
    const top = await access.createWorkspace(owner.headers, root, 'layered');
    const below = await access.createWorkspace(owner.headers, top, 'below');
    const person = await signIn(server, oidc, 'layered');
    await access.addTenantMember(owner.headers, tenantId, { userId: person.id });
    await access.grant(owner.headers, below, { userId: person.id }, 'ADMIN');
    await access.grant(owner.headers, top, { userId: person.id }, 'MEMBER');
    expect(await access.permissions(person.headers, top)).toEqual(EXPECTED.MEMBER);
    expect(await access.permissions(person.headers, below)).toEqual(EXPECTED.ADMIN);
    await access.revoke(owner.headers, below, { userId: person.id });
    expect(await access.permissions(person.headers, below)).toEqual(EXPECTED.MEMBER);
  });
});
