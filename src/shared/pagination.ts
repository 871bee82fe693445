import { BadInputError } from './errors.js';
import { parseId } from './ids.js';
import { textProblem } from './text.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** Position after which a page starts: the sort key (the name's key, see name-key.ts) and the id as tie-breaker. */
export interface Cursor {
  key: string;
  id: string;
}

/** The paging arguments every list field takes. */
export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface PageRequest {
  first: number;
  after: Cursor | null;
}

/** An item of a list and the key it sorts by, which becomes its cursor. */
export interface Sorted<T> {
  node: T;
  sortKey: string;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  /** Every item the list's arguments select, ignoring first and after; asked only when a query wants it. */
  count?: () => Promise<number>;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id]), 'utf8').toString('base64url');
}

/**
 * Cursors come back from clients, so they are input like any other: the key must be text PostgreSQL
 * can compare (JSON escapes can smuggle in NUL or a lone surrogate) and the id must be an id.
 */
export function decodeCursor(raw: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') {
      const id = parseId(parsed[1]);
      if (id && textProblem(parsed[0]) === undefined) return { key: parsed[0], id };
    }
  } catch {
    // fall through to the error below
  }
  throw new BadInputError('after', 'after is not a cursor returned by this API', 'INVALID_CURSOR');
}

export function pageRequest(first: number | null | undefined, after: string | null | undefined): PageRequest {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw new BadInputError('first', `first must be between 0 and ${MAX_PAGE_SIZE}`, 'INVALID_PAGE_SIZE');
  }
  return { first: size, after: after ? decodeCursor(after) : null };
}

/** Rows are fetched with one extra to learn whether another page exists. */
export function toPage<T>(rows: T[], first: number): Page<T> {
  return { items: rows.slice(0, first), hasNextPage: rows.length > first };
}
