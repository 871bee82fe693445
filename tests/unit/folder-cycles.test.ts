import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** The top-level part of src/ a file belongs to: its folder, or the file itself for files directly in src/. */
const unitOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0]?.replace(/\.ts$/, '') ?? '';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** The relative modules a file loads when it runs: `import type` and `export type … from` load nothing. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
  const specifiers: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly) specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isExportDeclaration(node) && node.moduleSpecifier && !node.isTypeOnly) specifiers.push((node.moduleSpecifier as ts.StringLiteral).text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(node.arguments[0] ?? node)) {
      specifiers.push((node.arguments[0] as ts.StringLiteral).text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return specifiers.filter((s) => s.startsWith('.')).map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

/** Which top-level parts of src/ each one loads, with one import that shows it. */
export function folderGraph(files: readonly string[]): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const file of files) {
    const from = unitOf(file);
    for (const target of runtimeImports(file)) {
      if (!target.startsWith(SRC)) continue;
      const to = unitOf(target);
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Map());
      graph.get(from)?.set(to, `${path.relative(SRC, file)} → ${path.relative(SRC, target)}`);
    }
  }
  return graph;
}

/** Every cycle of the graph, once each, as the path of imports that closes it (none: the graph layers). */
export function cyclesOf(graph: Map<string, Map<string, string>>): string[][] {
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const walk = (start: string, at: string, trail: string[], onTrail: Set<string>): void => {
    for (const [next, example] of graph.get(at) ?? []) {
      if (next === start) {
        const key = [...onTrail].sort().join(' ');
        if (!seen.has(key)) cycles.push([...trail, example]);
        seen.add(key);
      } else if (!onTrail.has(next) && next > start) {
        walk(start, next, [...trail, example], new Set([...onTrail, next]));
      }
    }
  };
  for (const start of [...graph.keys()].sort()) walk(start, start, [], new Set([start]));
  return cycles;
}

describe('the folders of src/', () => {
  it('import each other without a cycle, type-only imports aside: each folder only imports below it', () => {
    expect(cyclesOf(folderGraph(sourceFiles(SRC)))).toEqual([]);
  });

  it('a cycle is found, with the imports that close it', () => {
    const graph = new Map([
      ['tenants', new Map([['workspaces', 'tenants/a.ts → workspaces/b.ts']])],
      ['workspaces', new Map([['groups', 'workspaces/b.ts → groups/c.ts']])],
      ['groups', new Map([['tenants', 'groups/c.ts → tenants/a.ts']])],
    ]);
    expect(cyclesOf(graph)).toEqual([['groups/c.ts → tenants/a.ts', 'tenants/a.ts → workspaces/b.ts', 'workspaces/b.ts → groups/c.ts']]);
  });
});
