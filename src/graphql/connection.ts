import { encodeCursor } from '../shared/pagination.js';

export interface Connection<T> {
  nodes: T[];
  edges: { node: T; cursor: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export function toConnection<T extends { id: string }>(items: { node: T; sortKey: string }[], hasNextPage: boolean): Connection<T> {
  const edges = items.map((i) => ({ node: i.node, cursor: encodeCursor({ key: i.sortKey, id: i.node.id }) }));
  return {
    nodes: edges.map((e) => e.node),
    edges,
    pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
