import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildService, type ChildService } from '../../support/child-service.js';
import { createEmbeddedDataDir, runCli, type EmbeddedDataDir } from '../../support/embedded-data-dir.js';
import { readmeBlocks, shellWords, type CodeBlock } from '../../support/readme-blocks.js';

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions: { code: string } }[];
}

const at = (value: unknown, ...keys: (string | number)[]): unknown =>
  keys.reduce<unknown>((v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined), value);
const str = (value: unknown): string => {
  expect(typeof value).toBe('string');
  return value as string;
};

/** README's "Inviting someone", pasted as written: who runs each operation, and what it must answer. */
const STEPS: { as: '# As the bootstrap admin' | '# As Carol'; then(data: Record<string, unknown>): Record<string, string> | void }[] = [
  {
    as: '# As the bootstrap admin',
    then: (data) => {
      const tenant = at(data, 'viewer', 'tenants', 'nodes', 0);
      return { '<tenant id>': str(at(tenant, 'id')), '<root id>': str(at(tenant, 'rootWorkspace', 'id')) };
    },
  },
  {
    as: '# As the bootstrap admin',
    then: (data) => {
      expect(data).toMatchObject({ inviteTenantMember: { invitation: { email: 'carol@example.com', status: 'PENDING' }, authorizationSynced: true } });
      return { '<invitation id>': str(at(data, 'inviteTenantMember', 'invitation', 'id')) };
    },
  },
  {
    as: '# As Carol',
    then: (data) =>
      void expect(at(data, 'viewer', 'invitations', 'nodes')).toEqual([
        { id: expect.any(String) as string, tenantName: 'default', role: 'MEMBER', status: 'PENDING', invitedBy: { username: 'bootstrap-admin' }, workspaceRoles: [{ role: 'MEMBER' }] },
      ]),
  },
  {
    as: '# As Carol',
    then: (data) =>
      void expect(data).toEqual({ acceptInvitation: { invitation: { status: 'ACCEPTED' }, member: { user: { username: 'carol' }, role: 'MEMBER' }, skipped: [], authorizationSynced: true } }),
  },
  {
    as: '# As Carol',
    then: (data) =>
      void expect(data).toEqual({ viewer: { tenants: { nodes: [{ name: 'default', viewerRole: 'MEMBER', rootWorkspace: { name: 'Root', viewerPermissions: { view: true, edit: false } } }] } } }),
  },
];

describe('the README’s "Inviting someone", pasted as written against npm start', () => {
  let dir: EmbeddedDataDir;
  let service: ChildService;
  let blocks: CodeBlock[];

  beforeAll(async () => {
    blocks = await readmeBlocks('## Inviting someone');
    dir = await createEmbeddedDataDir();
    service = await startChildService(dir.env);
  });
  afterAll(async () => {
    if (service?.process.exitCode === null) await service.stop();
    await dir?.remove();
  });

  it('invites an address nobody signed in with, which signs in with the local issuer and accepts', async () => {
    const operations = blocks.filter((b) => b.language === 'graphql');
    expect(operations.map((o) => o.text.split('\n')[0])).toEqual(STEPS.map((s) => s.as));
    const tokenLines = blocks.filter((b) => b.language === 'sh').flatMap((b) => b.text.split('\n')).filter((l) => l.startsWith('npm run -s token -- '));
    expect(tokenLines).toHaveLength(1);
    const made = await runCli('token', shellWords(tokenLines[0] ?? '').slice(5), dir.env);
    expect(made.code).toBe(0);
    const headers = {
      '# As the bootstrap admin': { 'x-api-key': (await readFile(path.join(dir.env.DATA_DIR ?? '', 'bootstrap-admin-api-key'), 'utf8')).trim() },
      '# As Carol': { authorization: `Bearer ${made.stdout.trim()}` },
    };
    const values: Record<string, string> = {};
    for (const [index, step] of STEPS.entries()) {
      const query = (operations[index]?.text ?? '').replace(/<[a-z ]+ id>/g, (placeholder) => values[placeholder] ?? placeholder);
      expect(query, `step ${index + 1} uses an id no earlier step gave`).not.toMatch(/<[a-z' ]+>/);
      const response = await fetch(service.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers[step.as] }, body: JSON.stringify({ query }) });
      const answer = { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
      try {
        expect(answer.errors).toBeUndefined();
        Object.assign(values, step.then(answer.data ?? {}) ?? {});
      } catch (error) {
        throw new Error(`README step ${index + 1} (${step.as}):\n${query}\nanswered ${JSON.stringify(answer)}`, { cause: error });
      }
    }
  }, 120_000);
});
