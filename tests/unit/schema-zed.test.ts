import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../src/infra/spicedb/connect.js';

function permission(definition: string, name: string): string {
  const schema = readFileSync(SCHEMA_PATH, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
  const body = new RegExp(`definition ${definition} \\{([\\s\\S]*?)\\n\\}`).exec(schema)?.[1] ?? '';
  const expression = new RegExp(`permission ${name} = ([^\\n]+)`).exec(body)?.[1];
  if (!expression) throw new Error(`no permission ${definition}#${name}`);
  return expression.trim();
}

describe('schema.zed', () => {
  // src/graphql/visibility.ts lists a viewable workspace's children without checking each one.
  it('workspace view inherits to children unconditionally: a union including parent->view', () => {
    const view = permission('workspace', 'view');
    expect(view.split(/\s*\+\s*/)).toContain('parent->view');
    expect(view).not.toMatch(/(^|[^-])-(?!>)|&/);
  });
});
