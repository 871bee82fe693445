import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { startTestServer, type TestServer } from '../../support/server.js';

const origin = (server: TestServer): URL => new URL(server.url);

/** Opens a raw connection, writes `chunks`, and resolves with how long the server kept it open. */
function heldOpenMs(server: TestServer, chunks: string[], giveUpMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = origin(server);
    const started = performance.now();
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      for (const chunk of chunks) socket.write(chunk);
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(giveUpMs);
    }, giveUpMs);
    socket.on('data', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(performance.now() - started);
    });
    socket.on('error', reject);
  });
}

describe('HTTP: slow clients and request ids', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_REQUEST_TIMEOUT_MS: '1500' });
  });
  afterAll(async () => server.stop());

  it('closes a connection whose headers never finish', async () => {
    const ms = await heldOpenMs(server, ['POST /graphql HTTP/1.1\r\nHost: localhost\r\n'], 8000);
    expect(ms).toBeLessThan(5000);
  });

  it('closes a connection whose body never finishes', async () => {
    const head = 'POST /graphql HTTP/1.1\r\nHost: localhost\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n';
    const ms = await heldOpenMs(server, [head, '{"query":'], 8000);
    expect(ms).toBeLessThan(5000);
  });
});

describe('the router secret guards the route, whatever URL reaches it', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ NODE_ENV: 'production', ROUTER_SECRET: 's3cret' });
  });
  afterAll(async () => server.stop());

  it.each(['/graphql', '/%67raphql', '/%67%72aphql'])('refuses POST %s without the secret', async (path) => {
    const url = new URL(path, server.url);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': server.adminKey },
      body: JSON.stringify({ query: '{ viewer { user { username } } }' }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ errors: [{ extensions: { reason: 'ROUTER_SECRET_MISMATCH' } }] });
  });

  it('keeps _service for the router only, and gives no field suggestions in production', async () => {
    const anonymous = await server.gql('{ _service { sdl } }');
    expect(anonymous.status).toBe(401);
    const router = { 'router-authorization': 's3cret' };
    const sdl = await server.gql<{ _service: { sdl: string } }>('{ _service { sdl } }', {}, router);
    expect(sdl.data?._service.sdl).toContain('type Workspace');
    const typo = await server.gql('{ viewr { user { id } } }', {}, router);
    expect(typo.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(typo.errors?.[0]?.message).not.toContain('Did you mean');
  });
});

describe('development keeps suggestions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server.stop());

  it('suggests the field a typo meant', async () => {
    const typo = await server.gql('{ viewr { user { id } } }');
    expect(typo.errors?.[0]?.message).toContain('Did you mean "viewer"?');
  });
});

describe('metrics labels stay bounded', () => {
  let server: TestServer;
  let logs: CapturedLogs;
  const base = (): string => server.url.replace(/\/graphql$/, '');
  const operationLabels = async (): Promise<Set<string>> => {
    const text = await (await fetch(`${base()}/metrics`)).text();
    return new Set([...text.matchAll(/iam_graphql_request_duration_seconds_count\{operation="([^"]*)"/g)].map((m) => m[1] ?? ''));
  };

  beforeAll(async () => {
    logs = captureLogs('info');
    server = await startTestServer({ LOG_LEVEL: 'info', METRICS_MAX_OPERATIONS: '5' }, { logger: logs.logger });
  });
  afterAll(async () => server.stop());

  it('never adds a label for an unauthenticated request', async () => {
    for (let i = 0; i < 50; i += 1) await server.gql(`query Anonymous${i} { __typename }`);
    const labels = await operationLabels();
    expect([...labels].filter((l) => l.startsWith('Anonymous'))).toEqual([]);
    expect(labels.has('(unauthenticated)')).toBe(true);
  });

  it('caps the labels of authenticated operations', async () => {
    for (let i = 0; i < 20; i += 1) await server.asAdmin(`query Named${i} { __typename }`);
    const labels = [...(await operationLabels())].filter((l) => l.startsWith('Named'));
    expect(labels.length).toBeLessThanOrEqual(5);
    expect(await operationLabels()).toContain('(other)');
  });

  it('truncates client-chosen operation names in the log', async () => {
    const name = `Long${'x'.repeat(5000)}`;
    await server.asAdmin(`query ${name} { __typename }`);
    const line = logs.lines.find((l) => l.event === 'graphql_request' && String(l.operationName).startsWith('Longxxx'));
    expect(String(line?.operationName).length).toBeLessThanOrEqual(101);
  });
});
