import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../src/infra/spicedb/connect.js';

/*
 * src/authz/answer-cache.ts keeps a tenant's answers across events of other tenants. That is sound
 * only if a check about a resource of tenant X reads relationships of tenant X alone: every relation
 * of a tenant-scoped definition leads to objects of the same tenant, and `user`, the one type
 * without a tenant, is only ever a terminal subject. This checker proves it for schema.zed from the
 * schema's text and the table below, which names for each link what keeps it inside one tenant; a
 * new relation, subject type or subject set fails until someone argues it here (and it must not be
 * cross-tenant, or the answer cache must change).
 */

/** How an instance of each tenant-scoped definition belongs to exactly one tenant. */
const TENANCY: Record<string, string> = {
  tenant: 'is its own tenant',
  group: 'groups.tenant_id',
  workspace: 'workspaces.tenant_id',
  api_key: 'api_keys.tenant_id',
};

/** `definition#relation@subject`: why the subject is of the resource's tenant. */
const SAME_TENANT_LINKS: Record<string, string> = {
  'group#tenant@tenant': 'event-relationships: the group row own tenant_id',
  'workspace#tenant@tenant': 'the workspace row own tenant_id',
  'workspace#parent@workspace': 'workspaces_parent_fkey: FOREIGN KEY (tenant_id, parent_id) REFERENCES workspaces (tenant_id, id)',
  'workspace#creator_tenant@tenant': 'the root workspace own tenant_id (migrations/0006)',
  'workspace#admin@group#member': 'workspace-member.service.ts grants a group of the workspace tenant only (notATenantGroup)',
  'workspace#editor@group#member': 'as admin',
  'workspace#member@group#member': 'as admin',
  'api_key#tenant@tenant': 'the key row own tenant_id',
};

/** The one type without a tenant: may appear only as a plain subject and hold nothing itself. */
const TERMINAL = 'user';

interface Definition {
  relations: Map<string, string[]>;
  permissions: Map<string, string>;
}

/** `T with expiration` (issue 20) bounds how long a relationship lasts, not whom it links: tenancy reads it as `T`. */
const subjectType = (written: string): string => written.trim().replace(/\s+with expiration$/, '');

function parse(schema: string): Map<string, Definition> {
  const text = schema.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
  const definitions = new Map<string, Definition>();
  for (const [, name, body] of text.matchAll(/definition (\w+) \{([^}]*)\}/g)) {
    const relations = new Map<string, string[]>();
    const permissions = new Map<string, string>();
    for (const [, relation, types] of (body ?? '').matchAll(/relation (\w+): ([^\n]+)/g)) relations.set(relation ?? '', (types ?? '').split('|').map(subjectType));
    for (const [, permission, expression] of (body ?? '').matchAll(/permission (\w+) = ([^\n]+)/g)) permissions.set(permission ?? '', (expression ?? '').trim());
    definitions.set(name ?? '', { relations, permissions });
  }
  return definitions;
}

/** Every way the schema could lead a check out of the resource's tenant; empty when none. */
function tenancyProblems(schema: string): string[] {
  const definitions = parse(schema);
  const problems: string[] = [];
  const used = new Set<string>();
  for (const [name, definition] of definitions) {
    if (name === TERMINAL) {
      if (definition.relations.size > 0 || definition.permissions.size > 0) problems.push(`${TERMINAL} must hold no relation or permission: checks end there`);
      continue;
    }
    if (!(name in TENANCY)) {
      problems.push(`definition ${name} belongs to no tenant (TENANCY)`);
      continue;
    }
    if (name !== 'tenant' && definition.relations.get('tenant')?.join('|') !== 'tenant') problems.push(`${name} must name its tenant: relation tenant: tenant`);
    for (const [relation, subjects] of definition.relations) {
      for (const subject of subjects) {
        const [type = '', subjectRelation] = subject.split('#');
        if (subject.includes(':*')) problems.push(`${name}#${relation}: wildcard ${subject} reaches every tenant`);
        else if (type === TERMINAL && subjectRelation === undefined) continue;
        else if (type === TERMINAL) problems.push(`${name}#${relation}: ${subject} walks through ${TERMINAL}, which has no tenant`);
        else if (!(type in TENANCY) || !definitions.has(type)) problems.push(`${name}#${relation}: ${subject} is of no tenant-scoped definition`);
        else {
          const link = `${name}#${relation}@${subject}`;
          if (!(link in SAME_TENANT_LINKS)) problems.push(`${link}: nothing keeps the subject in the resource's tenant (SAME_TENANT_LINKS)`);
          used.add(link);
          const target = definitions.get(type);
          if (subjectRelation && !target?.relations.has(subjectRelation) && !target?.permissions.has(subjectRelation)) problems.push(`${link}: ${type} has no ${subjectRelation}`);
        }
      }
    }
    // Arrows follow one of the definition's own relations, so they stay where those relations lead.
    for (const [permission, expression] of definition.permissions) {
      for (const term of expression.split(/[\s+&()-]+(?!>)/).filter(Boolean)) {
        const [relation = '', arrowed] = term.split('->');
        if (!definition.relations.has(relation) && !definition.permissions.has(relation)) problems.push(`${name}#${permission}: ${relation} is not a relation or permission of ${name}`);
        if (arrowed && !definition.relations.has(relation)) problems.push(`${name}#${permission}: ${term} does not walk a relation of ${name}`);
      }
    }
  }
  for (const link of Object.keys(SAME_TENANT_LINKS)) if (!used.has(link)) problems.push(`SAME_TENANT_LINKS names ${link}, which schema.zed does not have`);
  return problems;
}

const schema = readFileSync(SCHEMA_PATH, 'utf8');

describe('schema.zed keeps every check inside the resource tenant', () => {
  it('every relation of every tenant-scoped definition links objects of the same tenant, and user is only a terminal subject', () => {
    expect(tenancyProblems(schema)).toEqual([]);
  });

  const mutations: [string, string, string, string][] = [
    ['a relation to another tenant', 'relation admin: user\n', 'relation admin: user\n    relation partner: tenant\n', 'tenant#partner@tenant: nothing keeps'],
    ['a relation to another tenant workspace', 'relation parent: workspace\n', 'relation parent: workspace\n    relation shared_with: workspace\n', 'workspace#shared_with@workspace: nothing keeps'],
    ['a new subject set of group', 'relation admin: user | user with expiration | group#member | group#member with expiration\n', 'relation admin: user | user with expiration | group#member | group#member with expiration | group#admin with expiration\n', 'workspace#admin@group#admin: nothing keeps'],
    ['a type without a tenant', 'definition user {}', 'definition user {}\n\ndefinition organization {\n    relation member: user\n}', 'organization belongs to no tenant'],
    ['a subject set through user', 'relation owner: user\n', 'relation owner: user | user#friend\n', 'walks through user'],
    ['a wildcard subject', 'relation member: user | user with expiration | group#member | group#member with expiration\n', 'relation member: user | user with expiration | group#member | group#member with expiration | user:*\n', 'wildcard user:*'],
    ['a relation held by user', 'definition user {}', 'definition user {\n    relation friend: user\n}', 'user must hold no relation'],
    ['a tenant-scoped type without its tenant', 'relation owner: user\n    relation tenant: tenant\n', 'relation owner: user\n', 'api_key must name its tenant'],
  ];
  it.each(mutations)('fails for %s', (_, from, to, problem) => {
    expect(schema).toContain(from);
    const mutated = schema.replace(from, to);
    expect(mutated).not.toBe(schema);
    expect(tenancyProblems(mutated).join('\n')).toContain(problem);
  });
});
