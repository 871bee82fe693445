import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { composeSupergraph, expandEnv, loadSubgraphSdl, parseComposeConfig } from '../../../src/cli/compose.js';
import { DOCUMENTS_SDL } from '../../support/documents-subgraph.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const iamSdl = (): Promise<string> => readFile(`${repoRoot}schema.graphql`, 'utf8');

describe('npm run compose', () => {
  it('composes the subgraphs in the shipped supergraph.config.json', async () => {
    const config = parseComposeConfig(JSON.parse(await readFile(`${repoRoot}supergraph.config.json`, 'utf8')), {});
    expect(config.subgraphs.map((s) => [s.name, s.url])).toEqual([['iam', 'http://127.0.0.1:4000/graphql']]);
    const subgraphs = await Promise.all(config.subgraphs.map((entry) => loadSubgraphSdl(entry, repoRoot)));
    const result = composeSupergraph(subgraphs);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.supergraphSdl).toContain('IAM @join__graph(name: "iam", url: "http://127.0.0.1:4000/graphql")');
  });

  it('routes to the address the service listens on by HOST and PORT unless IAM_SUBGRAPH_URL says otherwise', async () => {
    const shipped: unknown = JSON.parse(await readFile(`${repoRoot}supergraph.config.json`, 'utf8'));
    const iamUrl = (env: NodeJS.ProcessEnv): string | undefined => parseComposeConfig(shipped, env).subgraphs[0]?.url;
    expect(iamUrl({ PORT: '4100' })).toBe('http://127.0.0.1:4100/graphql');
    expect(iamUrl({ HOST: 'iam.internal', PORT: '8080' })).toBe('http://iam.internal:8080/graphql');
    // The Docker image listens on 0.0.0.0; a router on the same host reaches it on loopback.
    expect(iamUrl({ HOST: '0.0.0.0' })).toBe('http://127.0.0.1:4000/graphql');
    expect(iamUrl({ HOST: '::' })).toBe('http://[::1]:4000/graphql');
    expect(iamUrl({ HOST: 'fd00::7', PORT: '4001' })).toBe('http://[fd00::7]:4001/graphql');
    expect(iamUrl({ IAM_SUBGRAPH_URL: 'https://iam.example.com/graphql', PORT: '4100' })).toBe('https://iam.example.com/graphql');
    expect(() => iamUrl({ PORT: '0' })).toThrow('PORT=0 gives no URL to route to; set IAM_SUBGRAPH_URL');
    expect(() => iamUrl({ IAM_SUBGRAPH_URL: 'iam:4000' })).toThrow('subgraph "iam": url "iam:4000" is not http(s)');
  });

  it('expands ${env.NAME} and ${env.NAME:-default} like router.yaml, and names a missing variable', () => {
    expect(expandEnv('${env.A}/x/${env.B:-http://b}', { A: 'http://a' })).toBe('http://a/x/http://b');
    expect(expandEnv('${env.B:-http://b}', { B: 'http://given' })).toBe('http://given');
    expect(() => expandEnv('${env.MISSING}', {})).toThrow('environment variable MISSING is not set');
  });

  it('rejects a config with readable messages', () => {
    expect(() => parseComposeConfig({ subgraphs: [] }, {})).toThrow(/subgraphs: .*>=1/);
    expect(() => parseComposeConfig({ subgraphs: [{ name: '1x', url: 'u' }] }, {})).toThrow(/subgraphs\.0\.name/);
    const twice = { subgraphs: [{ name: 'a', url: 'u' }, { name: 'a', url: 'v' }] };
    expect(() => parseComposeConfig(twice, {})).toThrow('subgraph name "a" appears twice');
  });

  it('composes iam with a subgraph that extends Workspace', async () => {
    const result = composeSupergraph([
      { name: 'iam', url: 'http://iam/graphql', sdl: await iamSdl() },
      { name: 'documents', url: 'http://documents/graphql', sdl: DOCUMENTS_SDL },
    ]);
    expect(result).toMatchObject({ ok: true, hints: expect.any(Array) });
    if (result.ok) expect(result.supergraphSdl).toMatch(/documentCount: Int! @join__field\(graph: DOCUMENTS\)/);
  });

  it('reports composition errors by code, naming the subgraphs', async () => {
    const conflicting = `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key"])
      type Workspace @key(fields: "id") { id: ID! name: Int! }
      type Query { other: Int }
    `;
    const result = composeSupergraph([
      { name: 'iam', url: 'http://iam/graphql', sdl: await iamSdl() },
      { name: 'other', url: 'http://other/graphql', sdl: conflicting },
    ]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContainEqual(expect.stringMatching(/^\[FIELD_TYPE_MISMATCH\] .*"iam".*"other"/));
  });

  it('reports an SDL syntax error with its subgraph and position', () => {
    const result = composeSupergraph([{ name: 'broken', url: 'http://broken/graphql', sdl: 'type Query {\n  x: \n}' }]);
    expect(result).toEqual({ ok: false, errors: [expect.stringMatching(/^subgraph "broken": Syntax Error: .*\(line 3, column 1\)$/)] });
  });

  it('says which subgraph could not be fetched', async () => {
    await expect(loadSubgraphSdl({ name: 'gone', url: 'http://127.0.0.1:1/graphql' }, repoRoot)).rejects.toThrow(/^subgraph "gone": cannot reach http:\/\/127\.0\.0\.1:1\/graphql/);
    await expect(loadSubgraphSdl({ name: 'nofile', url: 'u', file: 'does-not-exist.graphql' }, repoRoot)).rejects.toThrow(/subgraph "nofile": ENOENT/);
  });
});
