import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildGateway, type ChildGateway } from '../../support/child-gateway.js';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createEmbeddedDataDir, runCli, type EmbeddedDataDir } from '../../support/embedded-data-dir.js';
import { readmeBlocks, shellWords, type CodeBlock } from '../../support/readme-blocks.js';

type Actor = 'alice' | 'bob' | 'admin' | 'key' | 'alice-via-gateway';
type Data = Record<string, unknown>;
interface Answer {
  status: number;
  data?: Data | null;
  errors?: { message: string; extensions: { code: string; reason?: string } }[];
}

/** What each README operation's first line names, and who that is here. */
const ACTORS: Record<string, Actor[]> = {
  '# As Alice, then as Bob': ['alice', 'bob'],
  '# As the bootstrap admin': ['admin'],
  '# As Alice': ['alice'],
  '# As Bob': ['bob'],
  '# With the new key': ['key'],
  '# As Alice, through the gateway': ['alice-via-gateway'],
};

interface Step {
  as: keyof typeof ACTORS;
  /** Checks the answer and returns the ids it yields for later placeholders. */
  then(answers: Answer[]): Record<string, string> | void;
}

const at = (value: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), value);
const ok = (answer: Answer | undefined): Data => {
  expect(answer?.errors).toBeUndefined();
  expect(answer?.status).toBe(200);
  return answer?.data ?? {};
};
const str = (value: unknown): string => {
  expect(typeof value).toBe('string');
  return value as string;
};

/** README's walk-throughs (Granting access, API keys, then the gateway), in order, with what each step must answer. */
const STEPS: Step[] = [
  { as: '# As Alice, then as Bob', then: ([a, b]) => void expect([at(ok(a), 'viewer', 'user', 'username'), at(ok(b), 'viewer', 'user', 'email')]).toEqual(['alice', 'bob@example.com']) },
  {
    as: '# As the bootstrap admin',
    then: ([a]) => {
      const tenant = at(ok(a), 'viewer', 'tenants', 'nodes', 0);
      expect(tenant).toMatchObject({ name: 'default', viewerRole: 'ADMIN', rootWorkspace: { name: 'Root' } });
      return { '<tenant id>': str(at(tenant, 'id')), '<root id>': str(at(tenant, 'rootWorkspace', 'id')) };
    },
  },
  { as: '# As the bootstrap admin', then: ([a]) => void expect(ok(a)).toMatchObject({ addTenantMember: { member: { user: { username: 'alice' }, role: 'ADMIN' }, authorizationSynced: true } }) },
  {
    as: '# As the bootstrap admin',
    then: ([a]) => {
      expect(ok(a)).toMatchObject({ addTenantMember: { member: { user: { username: 'bob' }, role: 'MEMBER' }, authorizationSynced: true } });
      return { '<bob id>': str(at(a?.data, 'addTenantMember', 'member', 'user', 'id')) };
    },
  },
  {
    as: '# As Alice',
    then: ([a]) => {
      expect(ok(a)).toMatchObject({ createWorkspace: { workspace: { name: 'Engineering', depth: 1 }, authorizationSynced: true } });
      return { '<engineering id>': str(at(a?.data, 'createWorkspace', 'workspace', 'id')) };
    },
  },
  {
    as: '# As Alice',
    then: ([a]) => {
      expect(ok(a)).toMatchObject({ createGroup: { group: { name: 'Platform team' }, authorizationSynced: true } });
      return { '<group id>': str(at(a?.data, 'createGroup', 'group', 'id')) };
    },
  },
  { as: '# As Alice', then: ([a]) => void expect(ok(a)).toEqual({ addGroupMember: { member: { user: { username: 'bob' }, role: 'MEMBER' }, authorizationSynced: true } }) },
  {
    as: '# As Alice',
    then: ([a]) =>
      void expect(ok(a)).toEqual({ grantWorkspaceRole: { member: { subject: { name: 'Platform team' }, role: 'EDITOR', grantedOn: { name: 'Engineering' } }, authorizationSynced: true } }),
  },
  { as: '# As Bob', then: ([a]) => void expect(ok(a)).toEqual({ workspace: { name: 'Engineering', viewerPermissions: { view: true, edit: true, manage: false, createChild: true } } }) },
  {
    as: '# As Alice',
    then: ([a]) =>
      // Nobody holds a grant on the root: tenant admins manage it through the tenant role.
      void expect(at(ok(a), 'workspace', 'members', 'nodes')).toEqual([
        { subject: { __typename: 'User', username: 'alice' }, role: 'ADMIN', grantedOn: { name: 'Engineering' }, inherited: false },
        { subject: { __typename: 'Group', name: 'Platform team' }, role: 'EDITOR', grantedOn: { name: 'Engineering' }, inherited: false },
      ]),
  },
  { as: '# As Alice', then: ([a]) => void expect(ok(a)).toEqual({ revokeWorkspaceRole: { workspace: { name: 'Engineering' }, authorizationSynced: true } }) },
  {
    as: '# As Alice',
    then: ([a]) => void expect(ok(a)).toEqual({ removeGroupMember: { group: { name: 'Platform team', members: { nodes: [{ user: { username: 'alice' } }] } }, authorizationSynced: true } }),
  },
  { as: '# As Bob', then: ([a]) => void expect(ok(a)).toEqual({ workspace: null, viewer: { tenants: { nodes: [{ name: 'default', viewerRole: 'MEMBER' }] } } }) },
  { as: '# As Alice', then: ([a]) => void expect(ok(a)).toMatchObject({ removeTenantMember: { authorizationSynced: true } }) },
  // API keys
  {
    as: '# As Alice',
    then: ([a]) => {
      expect(ok(a)).toMatchObject({ createApiKey: { apiKey: { name: 'CI deploy', status: 'ACTIVE' }, authorizationSynced: true } });
      return { '<secret>': str(at(a?.data, 'createApiKey', 'secret')), '<key id>': str(at(a?.data, 'createApiKey', 'apiKey', 'id')) };
    },
  },
  { as: '# With the new key', then: ([a]) => void expect(ok(a)).toEqual({ viewer: { authenticatedVia: 'API_KEY', user: { username: 'alice' }, tenantScope: { name: 'default' } } }) },
  {
    as: '# As Alice',
    then: ([a]) => {
      const data = ok(a);
      expect(at(data, 'tenant', 'apiKeys', 'nodes')).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'CI deploy', owner: { username: 'alice' }, status: 'ACTIVE' })]));
      expect(at(data, 'viewer', 'apiKeys', 'nodes')).toEqual([{ name: 'CI deploy', tenant: { name: 'default' }, status: 'ACTIVE' }]);
    },
  },
  { as: '# As Alice', then: ([a]) => void expect(ok(a)).toMatchObject({ revokeApiKey: { apiKey: { name: 'CI deploy', status: 'REVOKED' }, authorizationSynced: true } }) },
  {
    as: '# With the new key',
    then: ([a]) => {
      expect(a?.status).toBe(401);
      expect(a?.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'API_KEY_INVALID' });
    },
  },
  // The gateway
  {
    as: '# As Alice, through the gateway',
    then: ([a]) =>
      void expect(ok(a)).toEqual({
        viewer: { user: { username: 'alice' }, tenants: { nodes: [{ name: 'default', rootWorkspace: { name: 'Root', children: { nodes: [{ name: 'Engineering', viewerPermissions: { edit: true } }] } } }] } },
      }),
  },
];

const SUPERGRAPH_CONFIG = fileURLToPath(new URL('../../../supergraph.config.json', import.meta.url));

describe('the README walk-throughs, pasted as written against npm start and npm run gateway', () => {
  let dir: EmbeddedDataDir;
  let service: ChildService;
  let gateway: ChildGateway;
  let operations: CodeBlock[];
  let tokenLines: string[];

  beforeAll(async () => {
    const granting = await readmeBlocks('## Granting access');
    tokenLines = granting.filter((b) => b.language === 'sh').flatMap((b) => b.text.split('\n')).filter((l) => l.startsWith('npm run -s token -- '));
    const gatewayBlocks = (await readmeBlocks('## The whole supergraph on one machine')).filter((b) => b.language === 'graphql');
    operations = [...granting, ...(await readmeBlocks('## API keys')), ...gatewayBlocks].filter((b) => b.language === 'graphql');
    dir = await createEmbeddedDataDir();
    service = await startChildService(dir.env);
    gateway = await startChildGateway(SUPERGRAPH_CONFIG, { PORT: new URL(service.url).port });
  });
  afterAll(async () => {
    await gateway?.stop();
    if (service?.process.exitCode === null) await service.stop();
    await dir?.remove();
  });

  it('has the operations this test knows, each saying who runs it', () => {
    expect(operations.map((o) => o.text.split('\n')[0])).toEqual(STEPS.map((s) => s.as));
    expect(tokenLines).toHaveLength(2);
  });

  it('works step by step with local tokens, the bootstrap key, a new API key and the gateway', async () => {
    const headers: Partial<Record<Actor, Record<string, string>>> = {};
    for (const line of tokenLines) {
      const words = shellWords(line).slice(5);
      const made = await runCli('token', words, dir.env);
      expect(made.code).toBe(0);
      headers[words[0] === 'alice' ? 'alice' : 'bob'] = { authorization: `Bearer ${made.stdout.trim()}` };
    }
    headers['alice-via-gateway'] = headers.alice;
    // As the README says: the key npm start printed is also in .data/bootstrap-admin-api-key.
    headers.admin = { 'x-api-key': (await readFile(path.join(dir.env.DATA_DIR ?? '', 'bootstrap-admin-api-key'), 'utf8')).trim() };
    const values: Record<string, string> = {};

    for (const [index, step] of STEPS.entries()) {
      const block = operations[index];
      if (!block) throw new Error(`README has no operation ${index + 1}`);
      const query = block.text.replace(/<[a-z ]+ id>/g, (placeholder) => values[placeholder] ?? placeholder);
      expect(query, `step ${index + 1} uses an id no earlier step gave`).not.toMatch(/<[a-z' ]+>/);
      const answers: Answer[] = [];
      for (const actor of ACTORS[step.as] ?? []) {
        if (actor === 'key') headers.key = { 'x-api-key': values['<secret>'] ?? '' };
        const url = actor === 'alice-via-gateway' ? gateway.url : service.url;
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers[actor] }, body: JSON.stringify({ query }) });
        answers.push({ status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) });
      }
      try {
        Object.assign(values, step.then(answers) ?? {});
      } catch (error) {
        throw new Error(`README step ${index + 1} (${step.as}):\n${query}\nanswered ${JSON.stringify(answers)}`, { cause: error });
      }
    }
  }, 120_000);
});
