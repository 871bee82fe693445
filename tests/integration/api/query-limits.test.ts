import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

interface RawResponse {
  status: number;
  bytes: number;
  body: { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] };
  ms: number;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, bytes: Buffer.byteLength(text), body: JSON.parse(text) as RawResponse['body'], ms: performance.now() - started };
}

/** Runs the attack and, while it is in flight, times a trivial request: the service must keep answering. */
async function duringAttack(server: TestServer, attack: () => Promise<RawResponse[]>): Promise<{ attack: RawResponse[]; typenameMs: number }> {
  const running = attack();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const probe = await post(server.url, { query: '{ __typename }' });
  expect(probe.body).toEqual({ data: { __typename: 'Query' } });
  return { attack: await running, typenameMs: probe.ms };
}

/** Fragment Fi spreads F(i+1) twice: naive walks double their work at every level. */
function doublingFragments(levels: number): string {
  const fragments = Array.from({ length: levels }, (_, i) =>
    i + 1 < levels ? `fragment F${i} on Workspace { id ...F${i + 1} ...F${i + 1} }` : `fragment F${i} on Workspace { id name }`,
  );
  return `query Doubling($id: ID!) { workspace(id: $id) { parent { ...F0 } } }\n${fragments.join('\n')}`;
}

const aliases = (count: number, selection: string): string => `{ ${Array.from({ length: count }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;

// Generous on purpose: the point is "promptly", not a latency target (before the fix these took seconds).
const PROMPT_MS = 1500;

describe('operation limits: no single request may stall the service', () => {
  let server: TestServer;
  let admin: Record<string, string>;
  let childId: string;
  let tenantId: string;

  beforeAll(async () => {
    server = await startTestServer();
    admin = { 'x-api-key': server.adminKey };
    tenantId = server.runtime.bootstrap.tenantId;
    const created = await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId: server.runtime.bootstrap.rootWorkspaceId, name: 'child' });
    childId = created.data?.createWorkspace.workspace.id ?? '';
  });
  afterAll(async () => server.stop());

  it('walks fragments that spread each other twice in linear time', async () => {
    const { attack, typenameMs } = await duringAttack(server, async () => [
      await post(server.url, { query: doublingFragments(26), variables: { id: childId } }, admin),
    ]);
    expect(attack[0]?.body.errors).toBeUndefined();
    expect(attack[0]?.body.data).toMatchObject({ workspace: { parent: { id: server.runtime.bootstrap.rootWorkspaceId, name: 'Root' } } });
    expect(attack[0]?.ms).toBeLessThan(PROMPT_MS);
    expect(typenameMs).toBeLessThan(PROMPT_MS);
  });

  it('refuses anonymous alias floods of _service { sdl } with a small error, 8 at a time', async () => {
    const query = aliases(20_000, '_service { sdl }'); // ~400 KB, 80,000 tokens
    const { attack, typenameMs } = await duringAttack(server, () => Promise.all(Array.from({ length: 8 }, () => post(server.url, { query }))));
    for (const response of attack) {
      expect(response.status).toBe(400);
      expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_PARSE_FAILED', reason: 'MAX_TOKENS_EXCEEDED', limit: 5000 });
      expect(response.bytes).toBeLessThan(1000);
    }
    expect(typenameMs).toBeLessThan(PROMPT_MS);
  });

  it('refuses alias floods under the token limit before validation', async () => {
    const response = await post(server.url, { query: aliases(1500, '__typename') });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'MAX_ALIASES_EXCEEDED', limit: 30 });
    expect(response.body.errors?.[0]?.message).toContain('30');
  });

  it('refuses floods of duplicated invalid fields before validating them', async () => {
    const response = await post(server.url, { query: `{ ${'nope '.repeat(4000)}}` });
    expect(response.status).toBe(400);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'MAX_FIELDS_EXCEEDED', limit: 1000, found: 4000 });
  });

  it('refuses a nested listing multiplied by aliases by its estimated cost, before executing it', async () => {
    const listing = `workspaces(tenantId: "${tenantId}", first: 500) { nodes { id children(first: 500) { nodes { id name } } } }`;
    const { attack, typenameMs } = await duringAttack(server, async () => [await post(server.url, { query: aliases(30, listing) }, admin)]);
    expect(attack[0]?.status).toBe(400);
    expect(attack[0]?.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'MAX_COST_EXCEEDED', limit: 250_000 });
    expect(attack[0]?.body.errors?.[0]?.message).toContain('250000');
    expect(typenameMs).toBeLessThan(PROMPT_MS);
    // 200 aliases never get as far as the estimate.
    const many = await post(server.url, { query: aliases(200, `workspaces(tenantId: "${tenantId}", first: 500) { nodes { id } }`) }, admin);
    expect(many.body.errors?.[0]?.extensions).toMatchObject({ reason: 'MAX_ALIASES_EXCEEDED' });
  });

  it('counts page sizes given in variables', async () => {
    const query = `query Pages($t: ID!, $n: Int) {
      workspaces(tenantId: $t, first: $n) { nodes { children(first: $n) { nodes { children(first: $n) { nodes { id } } } } } }
    }`;
    const big = await post(server.url, { query, variables: { t: tenantId, n: 500 } }, admin);
    expect(big.body.errors?.[0]?.extensions).toMatchObject({ reason: 'MAX_COST_EXCEEDED' });
    const small = await post(server.url, { query, variables: { t: tenantId, n: 5 } }, admin);
    expect(small.body.errors).toBeUndefined();
  });

  it('counts _entities by the number of representations', async () => {
    const representations = Array.from({ length: 6000 }, () => ({ __typename: 'Workspace', id: childId }));
    const query = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Workspace { id name children(first: 50) { nodes { id } } } } }';
    const response = await post(server.url, { query, variables: { r: representations } }, admin);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ reason: 'MAX_COST_EXCEEDED' });
  });

  it('refuses deep selections with their limit, and never reports a stack overflow', async () => {
    const deep = (n: number): string => `{ ${'workspace(id: "x") { parent { '.repeat(n)}id${' } }'.repeat(n)} }`;
    const tooDeep = await post(server.url, { query: deep(30) }, admin);
    expect(tooDeep.body.errors?.[0]?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', reason: 'MAX_DEPTH_EXCEEDED', limit: 40 });
    const nested = `{${'a{'.repeat(3000)}b${'}'.repeat(3000)}}`;
    const response = await post(server.url, { query: nested });
    expect(response.status).toBe(400);
    expect(JSON.stringify(response.body)).not.toMatch(/call stack/i);
  });

  it('bounds what an error echoes of the request', async () => {
    const response = await post(server.url, { query: `{ ${'x'.repeat(400_000)} }` });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.bytes).toBeLessThan(2000);
  });

  it('answers a body over the limit with a GraphQL-shaped 413', async () => {
    const response = await post(server.url, { query: `{ __typename }`, padding: 'x'.repeat(600_000) });
    expect(response.status).toBe(413);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_REQUEST', reason: 'BODY_TOO_LARGE' });
  });
});

describe('with tight row and response limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ GRAPHQL_MAX_ROWS: '10', GRAPHQL_MAX_RESPONSE_BYTES: '2048' });
    for (let i = 0; i < 12; i += 1) {
      await server.asAdmin(CREATE_WORKSPACE, { parentId: server.runtime.bootstrap.rootWorkspaceId, name: `w${i}` });
    }
  });
  afterAll(async () => server.stop());

  it('stops a request that loads more rows than allowed', async () => {
    const response = await server.asAdmin(`query($id: ID!) { workspace(id: $id) { children { nodes { id } } } }`, {
      id: server.runtime.bootstrap.rootWorkspaceId,
    });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MAX_ROWS_EXCEEDED' });
  });

  it('replaces a response over the size cap with a small error', async () => {
    const tenant = `tenant(id: "${server.runtime.bootstrap.tenantId}") { id name createdAt rootWorkspace { id name depth isRoot createdAt updatedAt } }`;
    const many = aliases(30, tenant);
    const response = await post(server.url, { query: many }, { 'x-api-key': server.adminKey });
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0]?.extensions).toMatchObject({ code: 'RESPONSE_TOO_LARGE', limit: 2048 });
    expect(response.bytes).toBeLessThan(2048);
  });
});
