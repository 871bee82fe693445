import { encodeCursor, type Page, type Sorted } from '../shared/pagination.js';

export interface Connection<T> {
  nodes: T[];
  edges: { node: T; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  /** The list's total, for connections that offer one (Page.count); counted once, when asked. */
  totalCount: () => Promise<number>;
}

/**
 * A page of a list as the API's connection shape; each item's cursor is its sort key and id (`idOf`,
 * for items without an id of their own, such as memberships: the member's). Edges and cursors are
 * built only when the query asks for them: encoding a cursor per node cost 5 % of the CPU of a
 * 1,111-node `children { nodes }` response that never reads one.
 */
export function toConnection<T extends { id: string }>(page: Page<Sorted<T>>): Connection<T>;
export function toConnection<T>(page: Page<Sorted<T>>, idOf: (node: T) => string): Connection<T>;
export function toConnection<T>(page: Page<Sorted<T>>, idOf: (node: T) => string = (node) => (node as { id: string }).id): Connection<T> {
  const cursorOf = (item: Sorted<T>): string => encodeCursor({ key: item.sortKey, id: idOf(item.node) });
  let edges: { node: T; cursor: string }[] | undefined;
  let total: Promise<number> | undefined;
  const last = page.items.at(-1);
  const count = page.count;
  return {
    nodes: page.items.map((i) => i.node),
    get edges() {
      edges ??= page.items.map((i) => ({ node: i.node, cursor: cursorOf(i) }));
      return edges;
    },
    pageInfo: {
      hasNextPage: page.hasNextPage,
      get endCursor() {
        return last ? cursorOf(last) : null;
      },
    },
    totalCount() {
      if (!count) throw new Error('This list offers no totalCount');
      total ??= count();
      return total;
    },
  };
}
