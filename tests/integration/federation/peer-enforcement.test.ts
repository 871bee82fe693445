import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeSupergraph, fetchSubgraphSdl } from '../../../src/cli/compose.js';
import { signIn, type Person } from '../../support/access.js';
import { startDocumentsSubgraph, type DocumentsSubgraph } from '../../support/documents-subgraph.js';
import { startGateway, type Gateway } from '../../support/gateway.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT } from '../../support/operations.js';
import type { GraphQLResponse } from '../../support/server.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * A peer subgraph enforcing its own mutation with iam's checkPermissions: it forwards its caller's
 * credentials (through the router, like any client) and keeps no answer beyond the request, so a
 * revocation made in iam is seen by the peer's very next request.
 */
const ADD_DOCUMENT = /* GraphQL */ `mutation Add($w: ID!) { addDocument(workspaceId: $w) { id workspace { id name } } }`;

async function post<T>(url: string, query: string, headers: Record<string, string> = {}, variables: Record<string, unknown> = {}): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T | null; errors?: GraphQLResponse['errors'] };
  return { status: response.status, data: body.data, errors: body.errors, headers: response.headers };
}

describe('a peer subgraph enforcing with checkPermissions', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let documents: DocumentsSubgraph;
  let gateway: Gateway;
  let owner: Person;
  let bob: Person;
  let workspaceId: string;

  const viaGateway = <T>(query: string, headers: Record<string, string>, variables: Record<string, unknown> = {}) => post<T>(gateway.url, query, headers, variables);
  const must = async <T>(query: string, headers: Record<string, string>, variables: Record<string, unknown> = {}): Promise<T> => {
    const response = await viaGateway<T>(query, headers, variables);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    if (!response.data) throw new Error('no data');
    return response.data;
  };

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    server = await startTestServer({ OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
    documents = await startDocumentsSubgraph();
    const composed = composeSupergraph([
      { name: 'iam', url: server.url, sdl: await fetchSubgraphSdl(server.url) },
      { name: 'documents', url: documents.url, sdl: await fetchSubgraphSdl(documents.url) },
    ]);
    if (!composed.ok) throw new Error(`composition failed:\n${composed.errors.join('\n')}`);
    gateway = await startGateway(composed.supergraphSdl);
    // The peer asks through the router, as the platform's other clients do.
    documents.permissionsUrl = gateway.url;
    owner = await signIn(server, oidc, 'owner');
    bob = await signIn(server, oidc, 'bob');
    const created = await must<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(CREATE_TENANT, owner.headers, { name: 'Docs' });
    const tenantId = created.createTenant.tenant.id;
    const workspace = await must<{ createWorkspace: { workspace: { id: string } } }>(
      'mutation($p: ID!) { createWorkspace(input: { parentId: $p, name: "Handbook" }) { workspace { id } } }',
      owner.headers,
      { p: created.createTenant.tenant.rootWorkspace.id },
    );
    workspaceId = workspace.createWorkspace.workspace.id;
    await must('mutation($t: ID!, $u: ID!) { addTenantMember(input: { tenantId: $t, userId: $u, role: MEMBER }) { member { role } } }', owner.headers, { t: tenantId, u: bob.id });
  });
  afterAll(async () => {
    await gateway?.stop();
    await documents?.stop();
    await server?.stop();
    await oidc?.close();
  });

  const grant = (role: string) =>
    must('mutation($w: ID!, $u: ID!, $r: WorkspaceRole!) { grantWorkspaceRole(input: { workspaceId: $w, userId: $u, role: $r }) { authorizationSynced } }', owner.headers, {
      w: workspaceId,
      u: bob.id,
      r: role,
    });

  it("allows the peer's mutation exactly while iam says the caller may edit, from the next request after a change", async () => {
    const before = await viaGateway(ADD_DOCUMENT, bob.headers, { w: workspaceId });
    expect(before.errors?.[0]?.extensions.code).toBe('FORBIDDEN');

    await grant('EDITOR');
    const added = await viaGateway<{ addDocument: { id: string; workspace: { id: string; name: string } } }>(ADD_DOCUMENT, bob.headers, { w: workspaceId });
    expect(added.errors).toBeUndefined();
    // The peer's own field and iam's, in one federated answer.
    expect(added.data?.addDocument.workspace).toEqual({ id: workspaceId, name: 'Handbook' });

    // A role that views but does not edit: refused at once; then the grant revoked: still refused.
    await grant('MEMBER');
    expect((await viaGateway(ADD_DOCUMENT, bob.headers, { w: workspaceId })).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    await grant('EDITOR');
    expect((await viaGateway(ADD_DOCUMENT, bob.headers, { w: workspaceId })).errors).toBeUndefined();
    await must('mutation($w: ID!, $u: ID!) { revokeWorkspaceRole(input: { workspaceId: $w, userId: $u }) { authorizationSynced } }', owner.headers, { w: workspaceId, u: bob.id });
    const revoked = await viaGateway(ADD_DOCUMENT, bob.headers, { w: workspaceId });
    expect(revoked.errors?.[0]?.extensions.code).toBe('FORBIDDEN');

    expect(documents.documents.get(workspaceId)).toHaveLength(2);
    expect(documents.checks.map((c) => c.allowed)).toEqual([false, true, false, true, false]);
    // It asked as bob, with bob's own credentials, and with nothing of its own.
    for (const check of documents.checks) expect(check.headers.authorization).toBe(bob.headers.authorization);
  });

  it('refuses a caller without credentials: iam answers no one', async () => {
    const before = documents.checks.length;
    const anonymous = await viaGateway(ADD_DOCUMENT, {}, { w: workspaceId });
    expect(anonymous.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(documents.checks.slice(before)).toEqual([{ headers: { 'content-type': 'application/json' }, allowed: null }]);
  });
});
