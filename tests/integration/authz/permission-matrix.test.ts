import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ref, type SubjectRef, type Tuple } from '../../../src/infra/spicedb/relationships.js';
import type { SpiceDb } from '../../../src/infra/spicedb/spicedb.js';
import { startTestSpiceDb } from '../../support/spicedb.js';

/*
 * schema.zed proved against the real SpiceDB. The tree:
 *
 *   tenant T ── root R ── A ── B          tenant U ── root X
 *                      └─ S ── S1 ── S2
 */
const user = (id: string): SubjectRef => ({ type: 'user', id });
const groupMembers: SubjectRef = { type: 'group', id: 'G', relation: 'member' };
const tuple = (type: string, id: string, relation: string, subject: SubjectRef): Tuple => ({ resource: ref(type, id), relation, subject });

const relationships: Tuple[] = [
  tuple('tenant', 'T', 'admin', user('tenantAdmin')),
  tuple('tenant', 'T', 'member', user('tenantMember')),
  tuple('tenant', 'T', 'member', user('aMember')),
  tuple('tenant', 'U', 'admin', user('otherAdmin')),
  ...['R', 'A', 'B', 'S'].map((w) => tuple('workspace', w, 'tenant', ref('tenant', 'T'))),
  tuple('workspace', 'R', 'creator_tenant', ref('tenant', 'T')),
  tuple('workspace', 'A', 'parent', ref('workspace', 'R')),
  tuple('workspace', 'S', 'parent', ref('workspace', 'R')),
  tuple('workspace', 'B', 'parent', ref('workspace', 'A')),
  tuple('workspace', 'X', 'tenant', ref('tenant', 'U')),
  tuple('workspace', 'X', 'creator_tenant', ref('tenant', 'U')),
  tuple('workspace', 'R', 'admin', user('rootAdmin')),
  tuple('workspace', 'A', 'admin', user('aAdmin')),
  tuple('workspace', 'A', 'editor', user('aEditor')),
  tuple('workspace', 'A', 'member', user('aMember')),
  tuple('group', 'G', 'tenant', ref('tenant', 'T')),
  tuple('group', 'G', 'direct_member', user('groupie')),
  tuple('group', 'G', 'admin', user('groupAdmin')),
  tuple('workspace', 'S', 'editor', groupMembers),
  // S's subtree, two levels below it: a group's role inherits like a user's.
  ...['S1', 'S2'].map((w) => tuple('workspace', w, 'tenant', ref('tenant', 'T'))),
  tuple('workspace', 'S1', 'parent', ref('workspace', 'S')),
  tuple('workspace', 'S2', 'parent', ref('workspace', 'S1')),
  tuple('api_key', 'K', 'owner', user('keyOwner')),
  tuple('api_key', 'K', 'tenant', ref('tenant', 'T')),
];

type Row = [subject: string, resource: string, permissions: Record<string, boolean>];
const ws = (view: boolean, edit: boolean, manage: boolean, createChild: boolean) => ({ view, edit, manage, create_child: createChild });

// Expected answers; each line reads "this user, on this workspace, may ...".
const workspaceMatrix: Row[] = [
  // Tenant admins manage the whole tree of their tenant, whoever holds its workspace roles.
  ['tenantAdmin', 'R', ws(true, true, true, true)],
  ['tenantAdmin', 'A', ws(true, true, true, true)],
  ['tenantAdmin', 'B', ws(true, true, true, true)],
  ['tenantAdmin', 'X', ws(false, false, false, false)],
  ['tenantMember', 'R', ws(false, false, false, true)],
  ['tenantMember', 'A', ws(false, false, false, false)],
  ['rootAdmin', 'R', ws(true, true, true, true)],
  ['rootAdmin', 'A', ws(true, true, true, true)],
  ['rootAdmin', 'B', ws(true, true, true, true)],
  ['rootAdmin', 'S', ws(true, true, true, true)],
  ['aAdmin', 'R', ws(false, false, false, false)],
  ['aAdmin', 'A', ws(true, true, true, true)],
  ['aAdmin', 'B', ws(true, true, true, true)],
  ['aAdmin', 'S', ws(false, false, false, false)],
  ['aEditor', 'A', ws(true, true, false, true)],
  ['aEditor', 'B', ws(true, true, false, true)],
  ['aEditor', 'R', ws(false, false, false, false)],
  ['aMember', 'A', ws(true, false, false, false)],
  ['aMember', 'B', ws(true, false, false, false)],
  ['aMember', 'S', ws(false, false, false, false)],
  ['aMember', 'R', ws(false, false, false, true)],
  ['groupie', 'S', ws(true, true, false, true)],
  ['groupAdmin', 'S', ws(true, true, false, true)],
  ['groupie', 'A', ws(false, false, false, false)],
  ['groupie', 'S1', ws(true, true, false, true)],
  ['groupie', 'S2', ws(true, true, false, true)],
  ['otherAdmin', 'R', ws(false, false, false, false)],
  ['otherAdmin', 'X', ws(true, true, true, true)],
  ['outsider', 'A', ws(false, false, false, false)],
];

const tenantMatrix: Row[] = [
  ['tenantAdmin', 'T', { view: true, manage: true, administrate: true, create_api_key: true, create_group: true }],
  ['tenantMember', 'T', { view: true, manage: false, administrate: false, create_api_key: true, create_group: true }],
  ['rootAdmin', 'T', { view: false, manage: false, administrate: false, create_api_key: false, create_group: false }],
  ['otherAdmin', 'T', { view: false, manage: false, administrate: false, create_api_key: false, create_group: false }],
];

const otherMatrix: [string, string, string, Record<string, boolean>][] = [
  ['groupie', 'group', 'G', { member: true, view: true, manage: false }],
  ['groupAdmin', 'group', 'G', { member: true, view: true, manage: true }],
  ['tenantAdmin', 'group', 'G', { member: false, view: true, manage: true }],
  ['tenantMember', 'group', 'G', { member: false, view: false, manage: false }],
  ['otherAdmin', 'group', 'G', { member: false, view: false, manage: false }],
  ['keyOwner', 'api_key', 'K', { view: true, revoke: true }],
  ['tenantAdmin', 'api_key', 'K', { view: true, revoke: true }],
  ['tenantMember', 'api_key', 'K', { view: false, revoke: false }],
];

describe('schema.zed permission matrix (real SpiceDB)', () => {
  let spicedb: SpiceDb;
  let token: string;

  beforeAll(async () => {
    spicedb = await startTestSpiceDb();
    token = await spicedb.write(relationships.map((t) => ({ op: 'touch', tuple: t })));
  });
  afterAll(() => spicedb.close());

  const cases = [
    ...workspaceMatrix.map(([subject, id, perms]) => ['workspace', subject, id, perms] as const),
    ...tenantMatrix.map(([subject, id, perms]) => ['tenant', subject, id, perms] as const),
    ...otherMatrix.map(([subject, type, id, perms]) => [type, subject, id, perms] as const),
  ];

  it.each(cases)('%s: %s on %s', async (type, subject, id, expected) => {
    const permissions = Object.keys(expected);
    const answers = await spicedb.checkBulk(
      permissions.map((permission) => ({ resource: ref(type, id), permission, subject: user(subject) })),
      token,
    );
    expect(Object.fromEntries(permissions.map((p, i) => [p, answers[i]]))).toEqual(expected);
  });
});
