import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRANT_WORKSPACE_ROLE, REVOKE_WORKSPACE_ROLE, ok, signIn, type Person } from '../../support/access.js';
import { createLogger } from '../../../src/logger.js';
import { reconcileSpiceDb } from '../../../src/relationships/reconcile.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createMember, type Member } from '../../support/fixtures.js';
import { captureLogs, requestLine, type CapturedLogs } from '../../support/logs.js';
import { TestOidcProvider } from '../../support/oidc-provider.js';
import { CREATE_TENANT, CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { TEST_SETUP } from '../../support/services.js';
import { insertGrant } from '../../../src/workspaces/workspace-member.repository.js';

/*
 * Answers are kept per tenant of the resource (src/authz/answer-cache.ts): a write in tenant B
 * leaves tenant A's answers warm, costing the next request one statement over the outbox (shared)
 * and no SpiceDB call; a write in tenant A is seen by the very next request, in this process and in
 * another one on the same database and SpiceDB datastore.
 */
const READ = `query Read($id: ID!) { workspace(id: $id) { id } }`;

interface Seen {
  visible: boolean;
  sql: number;
  spicedb: number;
}

describe('answers survive writes in other tenants', () => {
  let oidc: TestOidcProvider;
  let server: TestServer;
  let second: ChildService;
  let logs: CapturedLogs;
  let reader: Member;
  let ownerB: Person;
  let workspaceA: string;
  let rootB: string;
  let userB: string;
  let tenantB: string;

  const readHere = async (): Promise<Seen> => {
    const response = await server.gql<{ workspace: { id: string } | null }>(READ, { id: workspaceA }, reader.headers);
    expect(response.errors).toBeUndefined();
    const line = await requestLine(logs, response.headers);
    return { visible: response.data?.workspace?.id === workspaceA, sql: Number(line.sql), spicedb: Number(line.spicedb) };
  };
  const readThere = async (): Promise<Seen> => {
    const response = await fetch(second.url, { method: 'POST', headers: { 'content-type': 'application/json', ...reader.headers }, body: JSON.stringify({ query: READ, variables: { id: workspaceA } }) });
    const body = (await response.json()) as { data?: { workspace: { id: string } | null }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    const requestId = response.headers.get('x-request-id');
    let line: Record<string, unknown> | undefined;
    for (let i = 0; i < 500 && !line; i += 1) {
      line = second.lines.map(parse).find((l) => l?.event === 'graphql_request' && l.requestId === requestId);
      if (!line) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (!line) throw new Error(`no request log line for ${requestId}`);
    return { visible: body.data?.workspace?.id === workspaceA, sql: Number(line.sql), spicedb: Number(line.spicedb) };
  };
  const synced = (data: Record<string, { authorizationSynced: boolean }>) => expect(Object.values(data)[0]?.authorizationSynced).toBe(true);
  // Through the unit of work, as a mutation of another process would: no request of either process
  // has seen its token, so each process's next read pays the statement.
  const writeInB = async (grant: boolean) => {
    const subject = { type: 'user' as const, id: userB };
    const { authorizationSynced } = await server.runtime.services.uow.run(async ({ trx, emit }) => {
      if (grant) await insertGrant(trx, rootB, subject, 'member');
      else await sql`DELETE FROM workspace_members WHERE workspace_id = ${rootB} AND user_id = ${userB}`.execute(trx);
      emit({ type: grant ? 'WorkspaceMemberAdded' : 'WorkspaceMemberRemoved', tenantId: tenantB, workspaceId: rootB, subject, role: 'member' });
    }, TEST_SETUP);
    expect(authorizationSynced).toBe(true);
  };
  const writeInA = async (grant: boolean) => {
    const input = grant ? { workspaceId: workspaceA, userId: reader.userId, role: 'MEMBER' } : { workspaceId: workspaceA, userId: reader.userId };
    synced(await ok(server, { 'x-api-key': server.adminKey }, grant ? GRANT_WORKSPACE_ROLE : REVOKE_WORKSPACE_ROLE, { input }));
  };

  beforeAll(async () => {
    oidc = await TestOidcProvider.start();
    await oidc.addKey('RS256');
    logs = captureLogs('info');
    server = await startTestServer({ LOG_LEVEL: 'info', OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience }, { logger: logs.logger });
    const tenantA = server.runtime.bootstrap.tenantId;
    const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: server.runtime.bootstrap.rootWorkspaceId, name: 'kept' });
    workspaceA = created.data?.createWorkspace.workspace.id ?? '';
    reader = await createMember(server, { tenantId: tenantA, username: 'reader', workspaceRoles: [{ workspaceId: workspaceA, role: 'member' }] });
    ownerB = await signIn(server, oidc, 'owner-b');
    const other = await ok<{ createTenant: { tenant: { id: string; rootWorkspace: { id: string } } } }>(server, ownerB.headers, CREATE_TENANT, { name: 'Other' });
    tenantB = other.createTenant.tenant.id;
    rootB = other.createTenant.tenant.rootWorkspace.id;
    userB = (await createMember(server, { tenantId: tenantB, username: 'member-b' })).userId;
    // A second process on the same database and SpiceDB datastore.
    second = await startChildService({ DATABASE_URL: server.database.url, OIDC_ISSUER: oidc.issuer, OIDC_AUDIENCE: oidc.audience });
  }, 120_000);
  afterAll(async () => {
    await second?.stop();
    await server?.stop();
    await oidc?.close();
  });

  it('a write in another tenant costs the next request one statement and no SpiceDB call, in either process', async () => {
    await readHere();
    await readThere();
    const warm = await readHere();
    expect(warm).toMatchObject({ visible: true, spicedb: 0 });
    expect(await readThere()).toEqual(warm);

    for (const grant of [true, false]) {
      await writeInB(grant);
      // The one statement: which tenants had events applied since the cache last looked.
      expect(await readHere()).toEqual({ ...warm, sql: warm.sql + 1 });
      expect(await readHere()).toEqual(warm);
      expect(await readThere()).toEqual({ ...warm, sql: warm.sql + 1 });
      expect(await readThere()).toEqual(warm);
    }
  });

  it('a mutation in another tenant through the other process leaves the answers warm there and here', async () => {
    await readThere();
    const warm = await readHere();
    expect(warm.spicedb).toBe(0);
    const response = await fetch(second.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ownerB.headers },
      body: JSON.stringify({ query: GRANT_WORKSPACE_ROLE, variables: { input: { workspaceId: rootB, userId: userB, role: 'EDITOR' } } }),
    });
    const body = (await response.json()) as { data?: { grantWorkspaceRole: { authorizationSynced: boolean } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.grantWorkspaceRole.authorizationSynced).toBe(true);
    expect(await readHere()).toEqual({ ...warm, sql: warm.sql + 1 });
    // The mutation's own request brought the other process's cache up to its token.
    expect(await readThere()).toEqual(warm);
    synced(await ok(server, ownerB.headers, REVOKE_WORKSPACE_ROLE, { input: { workspaceId: rootB, userId: userB } }));
  });

  it('concurrent requests after a write share the one statement', async () => {
    await readHere();
    const warm = await readHere();
    expect(warm.spicedb).toBe(0);
    await writeInB(true);
    const seen = await Promise.all([readHere(), readHere(), readHere(), readHere()]);
    expect(seen.every((s) => s.visible && s.spicedb === 0)).toBe(true);
    expect(seen.reduce((sum, s) => sum + s.sql, 0)).toBe(4 * warm.sql + 1);
    await writeInB(false);
  });

  it('a revocation and a grant in the same tenant are seen by the very next request, in this process and the other', async () => {
    await readHere();
    await readThere();
    await writeInA(false);
    expect(await readHere()).toMatchObject({ visible: false, spicedb: 1 });
    expect(await readThere()).toMatchObject({ visible: false, spicedb: 1 });
    await writeInA(true);
    expect(await readThere()).toMatchObject({ visible: true, spicedb: 1 });
    expect(await readHere()).toMatchObject({ visible: true, spicedb: 1 });
  });

  it('a reconcile is seen by the next request even when an event of another tenant comes before it: writes outside the outbox drop every answer', async () => {
    const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: server.runtime.bootstrap.rootWorkspaceId, name: 'drifted' });
    const drifted = created.data?.createWorkspace.workspace.id ?? '';
    const read = async () => {
      const response = await server.gql<{ workspace: { id: string } | null }>(READ, { id: drifted }, reader.headers);
      const line = await requestLine(logs, response.headers);
      return { visible: response.data?.workspace?.id === drifted, spicedb: Number(line.spicedb) };
    };
    // Drift: a grant SpiceDB holds and PostgreSQL does not, made current as an operator's repair would be.
    const token = await server.runtime.spicedb.write([{ op: 'touch', tuple: { resource: { type: 'workspace', id: drifted }, relation: 'member', subject: { type: 'user', id: reader.userId } } }]);
    await server.database.pool.query('UPDATE authz_state SET zed_token = $1', [token]);
    expect(await read()).toEqual({ visible: true, spicedb: 1 });
    expect(await read()).toEqual({ visible: true, spicedb: 0 });

    const result = await reconcileSpiceDb(server.database.db, server.runtime.spicedb, createLogger('silent'), { connectionString: server.database.url });
    expect(result.extra).toBe(1);
    // An event of another tenant moves applied_seq on: the outbox alone would say only tenant B changed.
    await writeInB(true);
    expect(await read()).toEqual({ visible: false, spicedb: 1 });
    await writeInB(false);
  });
});

function parse(line: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
