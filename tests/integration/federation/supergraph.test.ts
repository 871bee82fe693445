import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph, fetchSubgraphSdl } from '../../../src/cli/compose.js';
import { newId } from '../../../src/shared/ids.js';
import { DOCUMENTS_SDL, documentCountOf, startDocumentsSubgraph, type DocumentsSubgraph } from '../../support/documents-subgraph.js';
import { createMember, outboxSettled, type Member } from '../../support/fixtures.js';
import { startGateway, type Gateway } from '../../support/gateway.js';
import { startTestServer, type GraphQLResponse, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';

interface WorkspaceView {
  id: string;
  name: string;
  documentCount: number;
}

describe('federation: iam + a second subgraph behind Apollo Gateway', () => {
  let server: TestServer;
  let documents: DocumentsSubgraph;
  let gateway: Gateway;
  let supergraphSdl: string;
  let alice: Member;
  const ids = { root: '', engineering: '', design: '', otherTenantRoot: '' };

  beforeAll(async () => {
    server = await startTestServer();
    documents = await startDocumentsSubgraph();

    // Compose from what both services actually serve over HTTP, as a router's tooling would.
    const composed = composeSupergraph([
      { name: 'iam', url: server.url, sdl: await fetchSubgraphSdl(server.url) },
      { name: 'documents', url: documents.url, sdl: await fetchSubgraphSdl(documents.url) },
    ]);
    if (!composed.ok) throw new Error(`composition failed:\n${composed.errors.join('\n')}`);
    supergraphSdl = composed.supergraphSdl;
    gateway = await startGateway(supergraphSdl);

    const viewer = await server.asAdmin<{ viewer: { user: { id: string }; tenants: { nodes: { id: string; rootWorkspace: { id: string } }[] } } }>(
      '{ viewer { user { id } tenants { nodes { id rootWorkspace { id } } } } }',
    );
    const tenant = viewer.data?.viewer.tenants.nodes[0];
    if (!tenant) throw new Error(`no default tenant: ${JSON.stringify(viewer.errors)}`);
    ids.root = tenant.rootWorkspace.id;
    for (const name of ['Engineering', 'Design'] as const) {
      const created = await server.asAdmin<{ createWorkspace: { workspace: { id: string } } }>(
        'mutation ($input: CreateWorkspaceInput!) { createWorkspace(input: $input) { workspace { id } } }',
        { input: { parentId: ids.root, name } },
      );
      ids[name === 'Engineering' ? 'engineering' : 'design'] = created.data?.createWorkspace.workspace.id ?? '';
    }

    // A second tenant, also administered by the bootstrap admin: only the API key's confinement to
    // the default tenant hides it. (An API key cannot create tenants, so rows go in directly.)
    const adminUserId = viewer.data?.viewer.user.id ?? '';
    const { services } = server.runtime;
    ids.otherTenantRoot = (await services.uow.run(async (tx) => (await services.tenantCreation.insertWithRoot(tx, { name: 'Other Corp', adminUserId })).root.id, TEST_SETUP)).value;
    await outboxSettled(server);

    alice = await createMember(server, {
      tenantId: tenant.id,
      username: 'alice',
      workspaceRoles: [{ workspaceId: ids.engineering, role: 'member' }],
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await documents?.stop();
    await server?.stop();
  });

  async function viaGateway<T>(query: string, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
    return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
  }
  const admin = (): Record<string, string> => ({ 'x-api-key': server.adminKey });

  it('serves its SDL with entity keys through _service, and it composes with an extension of Workspace', async () => {
    const response = await server.gql<{ _service: { sdl: string } }>('{ _service { sdl } }');
    const sdl = response.data?._service.sdl ?? '';
    expect(sdl).toMatch(/type Workspace\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type Tenant\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type User\s+@key\(fields: "id"\)/);
    expect(DOCUMENTS_SDL).toContain('documentCount');
    expect(supergraphSdl).toMatch(/documentCount: Int! @join__field\(graph: DOCUMENTS\)/);
    expect(supergraphSdl).toContain(`@join__graph(name: "iam", url: "${server.url}")`);
  });

  it('answers a query that crosses both subgraphs, with credentials forwarded', async () => {
    const response = await viaGateway<{ workspace: WorkspaceView & { parent: WorkspaceView } }>(
      `{ workspace(id: "${ids.engineering}") { id name documentCount parent { id name documentCount } } }`,
      admin(),
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.workspace).toEqual({
      id: ids.engineering,
      name: 'Engineering',
      documentCount: documentCountOf(ids.engineering),
      parent: { id: ids.root, name: 'Root', documentCount: documentCountOf(ids.root) },
    });

    const tree = await viaGateway<{ viewer: { user: { username: string }; tenants: { nodes: { rootWorkspace: { children: { nodes: WorkspaceView[] } } }[] } } }>(
      '{ viewer { user { username } tenants { nodes { rootWorkspace { children { nodes { id name documentCount } } } } } } }',
      alice.headers,
    );
    expect(tree.errors).toBeUndefined();
    expect(tree.data?.viewer.user.username).toBe('alice');
    // alice is a member of Engineering only: she cannot view the root, so her tenant shows no root.
    expect(tree.data?.viewer.tenants.nodes).toEqual([{ rootWorkspace: null }]);
  });

  it('resolves references from the other subgraph through _entities, null where the caller cannot view', async () => {
    const unknown = newId();
    documents.pinned.splice(0, documents.pinned.length, ids.engineering, ids.design, ids.otherTenantRoot, unknown);
    const query = '{ pinnedWorkspaces { id name documentCount } }';
    const visible = (id: string, name: string): WorkspaceView => ({ id, name, documentCount: documentCountOf(id) });

    const asAdmin = await viaGateway<{ pinnedWorkspaces: (WorkspaceView | null)[] }>(query, admin());
    expect(asAdmin.data?.pinnedWorkspaces).toEqual([visible(ids.engineering, 'Engineering'), visible(ids.design, 'Design'), null, null]);

    const asAlice = await viaGateway<{ pinnedWorkspaces: (WorkspaceView | null)[] }>(query, alice.headers);
    expect(asAlice.data?.pinnedWorkspaces).toEqual([visible(ids.engineering, 'Engineering'), null, null, null]);

    // A hidden workspace is simply null: no error tells it apart from one that does not exist.
    expect(asAdmin.errors).toBeUndefined();
    expect(asAlice.errors).toBeUndefined();
  });

  it('refuses entity resolution without credentials', async () => {
    documents.pinned.splice(0, documents.pinned.length, ids.engineering);
    const response = await viaGateway<{ pinnedWorkspaces: (WorkspaceView | null)[] }>('{ pinnedWorkspaces { id name } }');
    expect(response.data?.pinnedWorkspaces ?? [null]).toEqual([null]);
    expect(response.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
    expect(JSON.stringify(response)).not.toContain('Engineering');
  });

  it('without credentials keeps what needs no caller: UNAUTHENTICATED on the fields that do, data for the rest', async () => {
    documents.pinned.splice(0, documents.pinned.length, ids.engineering);
    const response = await viaGateway<{ documentsStatus: string; workspace: unknown; pinnedWorkspaces: unknown[] }>(
      `{ documentsStatus workspace(id: "${ids.engineering}") { name } pinnedWorkspaces { id documentCount name } }`,
    );
    expect(response.data).toEqual({ documentsStatus: 'ok', workspace: null, pinnedWorkspaces: [null] });
    expect(new Set(response.errors?.map((e) => e.extensions.code))).toEqual(new Set(['UNAUTHENTICATED']));
    expect(response.errors?.map((e) => e.path?.[0])).toEqual(expect.arrayContaining(['workspace', 'pinnedWorkspaces']));
    expect(JSON.stringify(response)).not.toContain('Engineering');

    // The subgraph itself answers 200 with per-field errors; only invalid credentials are a 401.
    const direct = await server.gql<{ __typename: string; workspace: unknown }>(`{ __typename workspace(id: "${ids.engineering}") { name } }`);
    expect({ status: direct.status, data: direct.data }).toEqual({ status: 200, data: { __typename: 'Query', workspace: null } });
    expect(direct.errors?.map((e) => ({ path: e.path, code: e.extensions.code, reason: e.extensions.reason }))).toEqual([
      { path: ['workspace'], code: 'UNAUTHENTICATED', reason: 'CREDENTIALS_MISSING' },
    ]);
    expect((await server.gql('{ viewer { user { id } } }', {}, { 'x-api-key': 'karto_invalid' })).status).toBe(401);
  });

  describe('_entities on the iam subgraph directly', () => {
    const entities = `query ($representations: [_Any!]!) {
      _entities(representations: $representations) { ... on Workspace { id name isRoot } }
    }`;
    const refs = (...workspaceIds: string[]) => ({ representations: workspaceIds.map((id) => ({ __typename: 'Workspace', id })) });

    it('returns the visible workspace and null for one in another tenant, an unknown id and a malformed id', async () => {
      const response = await server.asAdmin<{ _entities: unknown[] }>(entities, refs(ids.root, ids.otherTenantRoot, newId(), 'not-an-id'));
      expect(response.errors).toBeUndefined();
      expect(response.data?._entities).toEqual([{ id: ids.root, name: 'Root', isRoot: true }, null, null, null]);
    });

    it('applies the same permission checks as Query.workspace', async () => {
      const response = await server.gql<{ _entities: unknown[] }>(entities, refs(ids.root, ids.engineering, ids.design), alice.headers);
      expect(response.errors).toBeUndefined();
      expect(response.data?._entities).toEqual([null, { id: ids.engineering, name: 'Engineering', isRoot: false }, null]);
    });

    it('needs credentials', async () => {
      const response = await server.gql(entities, refs(ids.root));
      expect(response.errors?.[0]?.extensions.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(response.data ?? null)).not.toContain('Root');
    });
  });
});
