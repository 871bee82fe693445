import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nameKey } from '../../../src/shared/names.js';
import { outboxSettled } from '../../support/fixtures.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, CREATE_WORKSPACE, RENAME_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { snapshot } from '../../support/snapshot.js';

/** Each row: a name, then names that are the same name and must be refused next to it. */
const SAME_NAMES: [string, string[]][] = [
  ['École', ['école', 'ÉCOLE', 'E\u0301cole', 'e\u0301cole']],
  ['Σ', ['σ', 'ς']],
  ['Caf\u00e9', ['Cafe\u0301', 'CAFÉ']],
  ['Straße', ['STRASSE', 'strasse']],
  ['Ｔｅａｍ', ['team', 'TEAM']],
  ['Zero\u200bWidth', ['zerowidth']],
];

interface CreatedTenant {
  createTenant: { tenant: { id: string; name: string; rootWorkspace: { id: string } } };
}
type Listed = { workspaces: { nodes: { id: string; name: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } };

const LIST = `query($t: ID!, $n: String, $first: Int, $after: String) {
  workspaces(tenantId: $t, nameContains: $n, first: $first, after: $after) { nodes { id name } pageInfo { hasNextPage endCursor } }
}`;

describe('names: one name across case and Unicode normalisation', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let owner: Record<string, string>;
  let rootId: string;
  let tenantId: string;

  const createWorkspace = (parentId: string, name: string) => server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name });
  const workspaceId = async (parentId: string, name: string): Promise<string> => {
    const response = await createWorkspace(parentId, name);
    expect(response.errors).toBeUndefined();
    return response.data?.createWorkspace.workspace.id ?? '';
  };
  const list = async (variables: Record<string, unknown>, headers?: Record<string, string>): Promise<Listed['workspaces']> => {
    const response = headers ? await server.gql<Listed>(LIST, variables, headers) : await server.asAdmin<Listed>(LIST, variables);
    expect(response.errors).toBeUndefined();
    return response.data?.workspaces ?? { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
  };

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    owner = { authorization: `Bearer ${await oidc.sign({ sub: 'names-owner' })}` };
    rootId = server.runtime.bootstrap.rootWorkspaceId;
    tenantId = server.runtime.bootstrap.tenantId;
  });
  afterAll(async () => {
    await server.stop();
    await oidc.close();
  });

  it.each(SAME_NAMES)('tenant %j: every equal name is TENANT_NAME_TAKEN and changes nothing', async (first, duplicates) => {
    const created = await server.gql<CreatedTenant>(CREATE_TENANT, { name: first }, owner);
    expect(created.errors).toBeUndefined();
    await outboxSettled(server);
    const before = await snapshot(server);
    for (const duplicate of duplicates) {
      const refused = await server.gql(CREATE_TENANT, { name: duplicate }, owner);
      expect(refused.errors?.[0]?.extensions, duplicate).toMatchObject({ code: 'CONFLICT', reason: 'TENANT_NAME_TAKEN' });
    }
    await outboxSettled(server);
    expect(await snapshot(server)).toEqual(before);
  });

  it.each(SAME_NAMES)('sibling workspace %j: every equal name is WORKSPACE_NAME_TAKEN, on create and on rename', async (first, duplicates) => {
    const parent = await workspaceId(rootId, `Siblings of ${first}`);
    await workspaceId(parent, first);
    const other = await workspaceId(parent, 'Someone else');
    await outboxSettled(server);
    const before = await snapshot(server);
    for (const duplicate of duplicates) {
      expect((await createWorkspace(parent, duplicate)).errors?.[0]?.extensions, duplicate).toMatchObject({ code: 'CONFLICT', reason: 'WORKSPACE_NAME_TAKEN' });
      const renamed = await server.asAdmin(RENAME_WORKSPACE, { id: other, name: duplicate });
      expect(renamed.errors?.[0]?.extensions, duplicate).toMatchObject({ code: 'CONFLICT', reason: 'WORKSPACE_NAME_TAKEN' });
    }
    await outboxSettled(server);
    expect(await snapshot(server)).toEqual(before);
    // The same name is fine under another parent.
    await workspaceId(other, duplicates[0] ?? first);
  });

  it('stores names in NFC and lets a workspace change the case of its own name', async () => {
    const tenant = await server.gql<CreatedTenant>(CREATE_TENANT, { name: 'Cre\u0300me bru\u0302le\u0301e' }, owner);
    expect(tenant.data?.createTenant.tenant.name).toBe('Crème brûlée');
    const stored = await server.database.pool.query('SELECT name, name_key FROM tenants WHERE id = $1', [tenant.data?.createTenant.tenant.id]);
    expect(stored.rows).toEqual([{ name: 'Crème brûlée', name_key: 'crème brûlée' }]);

    const id = await workspaceId(rootId, 'Cafe\u0301 society');
    const renamed = await server.asAdmin<{ renameWorkspace: { workspace: { name: string } } }>(RENAME_WORKSPACE, { id, name: 'CAFÉ SOCIETY' });
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data?.renameWorkspace.workspace.name).toBe('CAFÉ SOCIETY');
  });

  describe('nameContains', () => {
    // Results come in name-key order, which is code point order: "grande école" < "école normale".
    // A tenant of its own, so that only these names can match.
    let searchTenantId: string;
    const search = async (filter: string): Promise<string[]> =>
      (await list({ t: searchTenantId, n: filter, first: 100 }, owner)).nodes.map((n) => n.name);
    beforeAll(async () => {
      const tenant = await server.gql<CreatedTenant>(CREATE_TENANT, { name: 'Search' }, owner);
      searchTenantId = tenant.data?.createTenant.tenant.id ?? '';
      const searchRoot = tenant.data?.createTenant.tenant.rootWorkspace.id ?? '';
      for (const name of ['Grande École', 'ÉCOLE normale', 'Straßenbau', 'Café Müller', 'Ｂｌｕｅ team', 'ΟΔΟΣ', 'plain']) {
        const created = await server.gql<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: searchRoot, name }, owner);
        expect(created.errors).toBeUndefined();
      }
    });

    it.each([
      ['école', ['Grande École', 'ÉCOLE normale']],
      ['E\u0301COLE', ['Grande École', 'ÉCOLE normale']],
      ['STRASSE', ['Straßenbau']],
      ['ß', ['Straßenbau']],
      ['cafe\u0301 mü', ['Café Müller']],
      ['BLUE', ['Ｂｌｕｅ team']],
      ['οσ', ['ΟΔΟΣ']],
    ])('%j matches case- and normalisation-insensitively', async (filter, expected) => {
      expect(await search(filter)).toEqual(expected);
    });

    it('accepts 255 code points, even where that is more UTF-16 units', async () => {
      expect(await search('😀'.repeat(255))).toEqual([]);
    });
  });

  it('lists in name-key order (code points, then id), and cursors continue exactly where a page ended', async () => {
    const all = (await list({ t: tenantId, first: 500 })).nodes;
    // Byte order of UTF-8 is code point order, which is what COLLATE "C" compares.
    const byKey = [...all].sort((a, b) => Buffer.compare(Buffer.from(nameKey(a.name)), Buffer.from(nameKey(b.name))) || (a.id < b.id ? -1 : 1));
    expect(all.map((n) => n.name)).toEqual(byKey.map((n) => n.name));
    expect(new Set(all.map((n) => nameKey(n.name))).size).toBeLessThan(all.length);
    const paged: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page = await list({ t: tenantId, first: 3, after });
      paged.push(...page.nodes.map((n) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(all.map((n) => n.id));
  });
});
