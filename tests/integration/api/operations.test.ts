import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { waitFor } from '../../support/wait-for.js';

const base = (server: TestServer): string => server.url.replace(/\/graphql$/, '');

describe('operations endpoints and request logging', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
  });
  afterAll(async () => server.stop());

  it('answers liveness and readiness with PostgreSQL and SpiceDB status', async () => {
    const live = await fetch(`${base(server)}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${base(server)}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', postgres: { ok: true }, spicedb: { ok: true } });
  });

  it('logs one line per request with operation, principal, duration, error codes and round trips', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.adminKey, 'x-request-id': 'trace-me-123' },
      body: JSON.stringify({ query: 'query WhoAmI { viewer { user { id } } tenant(id: "bad") { id } }' }),
    });
    expect(response.headers.get('x-request-id')).toBe('trace-me-123');
    const body = (await response.json()) as { data: { viewer: { user: { id: string } } } };
    const lines = logs.lines.filter((l) => l.requestId === 'trace-me-123' && l.event === 'graphql_request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ operationName: 'WhoAmI', principalId: body.data.viewer.user.id, errorCodes: ['BAD_USER_INPUT'] });
    expect(typeof lines[0]?.durationMs).toBe('number');
    expect(lines[0]?.sql).toBeGreaterThan(0);
    expect(logs.raw.join('\n')).not.toContain(server.adminKey);
  });

  it('logs a request whose client went away once, marked clientClosed, and its mutation still commits', async () => {
    const url = new URL(server.url);
    const name = `left-behind-${Date.now()}`;
    const body = JSON.stringify({ query: CREATE_WORKSPACE, variables: { parentId: server.runtime.bootstrap.rootWorkspaceId, name } });
    // A raw socket that sends the whole request and hangs up at once, as a client that timed out does.
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.end(
      [
        `POST ${url.pathname} HTTP/1.1`,
        `host: ${url.host}`,
        'content-type: application/json',
        `x-api-key: ${server.adminKey}`,
        'x-request-id: gone-before-the-answer',
        `content-length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n'),
    );
    socket.destroy();

    const lines = (): Record<string, unknown>[] => logs.lines.filter((l) => l.requestId === 'gone-before-the-answer' && l.event === 'graphql_request');
    await waitFor(() => lines().length > 0, { message: 'the request line' });
    const listed = await server.asAdmin<{ viewer: { tenants: { nodes: { workspaces: { nodes: { name: string }[] } }[] } } }>(
      'query($n: String!) { viewer { tenants { nodes { workspaces(first: 5, nameContains: $n) { nodes { name } } } } } }',
      { n: name },
    );
    expect(listed.data?.viewer.tenants.nodes.flatMap((t) => t.workspaces.nodes.map((w) => w.name))).toEqual([name]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).toMatchObject({ operationName: 'Create', clientClosed: true, principalId: expect.any(String) });
    expect(lines()[0]?.sql).toBeGreaterThan(0);
  });

  it('exposes Prometheus metrics including the outbox relay and backlog', async () => {
    const text = await (await fetch(`${base(server)}/metrics`)).text();
    expect(text).toContain('iam_graphql_request_duration_seconds_bucket');
    expect(text).toMatch(/iam_outbox_relay_leader 1/);
    expect(text).toMatch(/iam_outbox_backlog\{status="pending"\} \d+/);
  });

  it('keeps Apollo CSRF prevention: a simple GET query without a preflight header is refused', async () => {
    const response = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'x-api-key': server.adminKey } });
    expect(response.status).toBe(400);
    const allowed = await fetch(`${server.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'x-api-key': server.adminKey, 'apollo-require-preflight': 'true' },
    });
    expect(await allowed.json()).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('production defaults and the router secret', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production', ROUTER_SECRET: 's3cret' });
  });
  afterAll(async () => server.stop());

  it('refuses requests without the router secret and accepts them with it', async () => {
    const without = await server.asAdmin('{ viewer { user { username } } }');
    expect(without.status).toBe(401);
    expect(without.errors?.[0]?.extensions.reason).toBe('ROUTER_SECRET_MISMATCH');
    const withSecret = await server.gql('{ viewer { user { username } } }', {}, { 'x-api-key': server.adminKey, 'router-authorization': 's3cret' });
    expect(withSecret.data).toEqual({ viewer: { user: { username: 'bootstrap-admin' } } });
  });

  it('turns introspection and GraphiQL off', async () => {
    const headers = { 'x-api-key': server.adminKey, 'router-authorization': 's3cret' };
    const introspection = await server.gql('{ __schema { queryType { name } } }', {}, headers);
    expect(introspection.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    // A browser gets a small page saying GraphiQL is off, not the 9 MB IDE and not a CSRF error.
    const page = await fetch(server.url, { headers: { accept: 'text/html', 'router-authorization': 's3cret' } });
    expect(page.status).toBe(404);
    const html = await page.text();
    expect(html).toContain('GraphiQL is disabled');
    expect(html.length).toBeLessThan(2000);
    // The router still composes: _service is always served.
    const sdl = await server.gql<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, headers);
    expect(sdl.data?._service.sdl).toContain('@key');
  });
});

describe('with a read pool (DATABASE_READ_URL)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({}, { readFromSecondPool: true });
  });
  afterAll(async () => server.stop());

  it('serves reads through the read pool and still reads its own writes', async () => {
    expect(server.runtime.database.readDb).not.toBe(server.runtime.database.db);
    const created = await server.asAdmin<{ createWorkspace: { workspace: { id: string; parent: { id: string } } } }>(
      `mutation { createWorkspace(input: { parentId: "${server.runtime.bootstrap.rootWorkspaceId}", name: "replica" }) { workspace { id parent { id } } } }`,
    );
    const id = created.data?.createWorkspace.workspace.id;
    expect(created.data?.createWorkspace.workspace.parent.id).toBe(server.runtime.bootstrap.rootWorkspaceId);
    const read = await server.asAdmin(`query($id: ID!) { workspace(id: $id) { name } }`, { id });
    expect(read.data).toEqual({ workspace: { name: 'replica' } });
    // The read pool really opened connections: the routing chose it (the "replica" is caught up).
    expect(server.runtime.database.pools[1]?.totalCount).toBeGreaterThan(0);
  });
});
