import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

export interface CodeBlock {
  language: string;
  /** Without the indentation of the list item it sits in. */
  text: string;
}

/** The fenced code blocks of the README between the heading `from` and the next heading of the same level. */
export async function readmeBlocks(from: string): Promise<CodeBlock[]> {
  const text = await readFile(README, 'utf8');
  const level = /^#+/.exec(from)?.[0] ?? '##';
  const start = text.indexOf(`\n${from}\n`);
  if (start < 0) throw new Error(`README has no heading "${from}"`);
  const rest = text.slice(start + from.length + 2);
  const end = rest.search(new RegExp(`^${level} `, 'm'));
  const section = end < 0 ? rest : rest.slice(0, end);
  const blocks: CodeBlock[] = [];
  const fence = /^( *)```(\w*)\n([\s\S]*?)^\1```$/gm;
  for (const match of section.matchAll(fence)) {
    const indent = match[1] ?? '';
    const body = (match[3] ?? '').split('\n').map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line));
    blocks.push({ language: match[2] ?? '', text: body.join('\n').trimEnd() });
  }
  return blocks;
}

/** A command line split as a POSIX shell would for words and double-quoted strings (no expansions). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2] ?? match[3] ?? '');
  return words;
}
