/**
 * A LIKE pattern matching `text` anywhere, with LIKE's own wildcards escaped (backslash is the
 * default escape). On a COLLATE "C" column LIKE compares code points: no locale changes what matches.
 */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
