import { BadInputError } from '../shared/errors.js';
import { decodeCursor } from '../shared/pagination.js';
import { textProblem } from '../shared/text.js';

/** Position after which a page of workspace members starts: subject key, subject id, depth of the grant. */
export interface WorkspaceMemberCursor {
  subjectKey: string;
  subjectId: string;
  depth: number;
}

// Deeper than any workspace can be (MAX_WORKSPACE_DEPTH), yet small enough to be plainly not data.
const MAX_DEPTH = 1000;

/** The sort key a workspace member's cursor carries (with the subject id as the cursor's id). */
export function workspaceMemberSortKey(subjectKey: string, depth: number): string {
  return JSON.stringify([subjectKey, depth]);
}

/** Cursors come back from clients: the subject key must be text PostgreSQL can compare, the depth a depth. */
export function decodeWorkspaceMemberCursor(raw: string): WorkspaceMemberCursor {
  const { key, id } = decodeCursor(raw);
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 2) {
    const [subjectKey, depth] = parsed as unknown[];
    if (typeof subjectKey === 'string' && textProblem(subjectKey) === undefined && Number.isInteger(depth) && (depth as number) >= 0 && (depth as number) <= MAX_DEPTH) {
      return { subjectKey, subjectId: id, depth: depth as number };
    }
  }
  throw new BadInputError('after', 'after is not a cursor returned by this API', 'INVALID_CURSOR');
}
