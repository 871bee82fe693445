import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../src/infra/spicedb/connect.js';
import { RECONCILED_RESOURCE_TYPES } from '../../src/relationships/reconcile.js';

function permission(definition: string, name: string): string {
  const schema = readFileSync(SCHEMA_PATH, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const body = new RegExp(`definition ${definition} \\{([\\s\\S]*?)\\n\\}`).exec(schema)?.[1] ?? '';
  const expression = new RegExp(`permission ${name} = ([^\\n]+)`).exec(body)?.[1];
  if (!expression) throw new Error(`no permission ${definition}#${name}`);
  return expression.trim();
}

describe('schema.zed', () => {
  // src/workspaces/workspace.service.ts lists a viewable workspace's children without checking each one.
  it('workspace view inherits to children unconditionally: a union including parent->view', () => {
    const view = permission('workspace', 'view');
    expect(view.split(/\s*\+\s*/)).toContain('parent->view');
    expect(view).not.toMatch(/(^|[^-])-(?!>)|&/);
  });

  // src/authz/permission-door.ts settles `view` on every workspace of a tenant with one `administrate`
  // check on the tenant, joining the workspace to its tenant by the row's tenant_id.
  it('every tenant admin views every workspace of the tenant: a union including tenant->administrate', () => {
    const view = permission('workspace', 'view');
    expect(view.split(/\s*\+\s*/)).toContain('tenant->administrate');
    expect(view).not.toMatch(/(^|[^-])-(?!>)|&/);
    const schema = readFileSync(SCHEMA_PATH, 'utf8');
    expect(/definition workspace \{[\s\S]*?relation tenant: tenant\n/.exec(schema)).not.toBeNull();
  });

  // src/relationships/reconcile.ts reads what SpiceDB holds type by type.
  it('reconcile reads every definition that has relations', () => {
    const schema = readFileSync(SCHEMA_PATH, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    const withRelations = [...schema.matchAll(/definition (\w+) \{([^}]*)\}/g)].filter((m) => /\brelation /.test(m[2] ?? '')).map((m) => m[1]);
    expect([...RECONCILED_RESOURCE_TYPES].sort()).toEqual(withRelations.sort());
  });

  // GHSA-w278-32qg-48q5: SpiceDB 1.40–1.57.0 (the embedded build is 1.54) ignores expiration on a
  // relation that unions `T with expiration` with `T#rel` of the same T. Expiring grants rely on it.
  it('uses expiration, and no relation unions `T with expiration` with `T#rel` of the same type', () => {
    const schema = readFileSync(SCHEMA_PATH, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    expect(schema).toMatch(/^use expiration$/m);
    const relations = [...schema.matchAll(/relation (\w+): ([^\n]+)/g)].map((m) => ({ name: m[1], types: (m[2] ?? '').split('|').map((t) => t.trim()) }));
    const expiring = relations.filter((r) => r.types.some((t) => t.endsWith(' with expiration')));
    expect(expiring.length).toBeGreaterThan(0);
    for (const relation of relations) {
      const expiringTypes = relation.types.filter((t) => t.endsWith(' with expiration')).map((t) => t.replace(' with expiration', ''));
      for (const type of expiringTypes) {
        const base = type.split('#')[0];
        // The same type both as a plain subject and as a subject set, one of them expiring.
        const shapes = new Set(relation.types.map((t) => t.replace(' with expiration', '')).filter((t) => t.split('#')[0] === base).map((t) => t.includes('#')));
        expect(shapes.size, `${relation.name}: ${relation.types.join(' | ')}`).toBe(1);
      }
    }
    // A tenant admin never expires: the last-admin rule must not be broken by time.
    expect(relations.find((r) => r.name === 'admin' && r.types.length === 1)?.types).toEqual(['user']);
  });
});
