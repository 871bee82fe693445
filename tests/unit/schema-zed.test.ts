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
});
