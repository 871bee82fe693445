import { encodeCursor, type Page, type Sorted } from '../shared/pagination.js';

export interface Connection<T> {
  nodes: T[];
  edges: { node: T; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * A page of a list as the API's connection shape; each item's cursor is its sort key and id (`idOf`,
 * for items without an id of their own, such as memberships: the member's).
 */
export function toConnection<T extends { id: string }>(page: Page<Sorted<T>>): Connection<T>;
export function toConnection<T>(page: Page<Sorted<T>>, idOf: (node: T) => string): Connection<T>;
export function toConnection<T>(page: Page<Sorted<T>>, idOf: (node: T) => string = (node) => (node as { id: string }).id): Connection<T> {
  const edges = page.items.map((i) => ({ node: i.node, cursor: encodeCursor({ key: i.sortKey, id: idOf(i.node) }) }));
  return {
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
