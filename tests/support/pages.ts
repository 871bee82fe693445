import { expect } from 'vitest';
import type { GraphQLResponse, TestServer } from './server.js';

export interface Connection {
  nodes: { id: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Every id of a connection, page by page through its cursors. `query` takes `$first` and `$after`
 * and `pick` finds the connection in its data; each page must be full except the last.
 */
export async function allPages(
  server: TestServer,
  headers: Record<string, string>,
  query: string,
  pick: (data: Record<string, unknown>) => Connection | undefined,
  variables: Record<string, unknown> = {},
  first = 2,
): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 1000; page += 1) {
    const response: GraphQLResponse<Record<string, unknown>> = await server.gql<Record<string, unknown>>(query, { ...variables, first, after }, headers);
    expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
    const connection: Connection | undefined = response.data ? pick(response.data) : undefined;
    if (!connection) throw new Error(`no connection in ${JSON.stringify(response.data)}`);
    ids.push(...connection.nodes.map((n) => n.id));
    if (!connection.pageInfo.hasNextPage) return ids;
    expect(connection.nodes).toHaveLength(first);
    after = connection.pageInfo.endCursor;
  }
  throw new Error('more than 1,000 pages');
}
