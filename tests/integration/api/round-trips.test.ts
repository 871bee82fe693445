import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogs, type CapturedLogs } from '../../support/logs.js';
import { CREATE_WORKSPACE, type CreatedWorkspace } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/*
 * Walking d levels of the tree costs O(d) SQL statements and O(d) SpiceDB calls, whatever the
 * number of nodes: loaders batch each level into one statement and every permission check of a
 * level into one CheckBulkPermissions call. Counted per request by the service itself.
 */
const THREE_LEVELS = `query Walk($id: ID!) {
  workspace(id: $id) { name children { nodes { name children { nodes { name children { nodes { name } } } } } } }
}`;
const UP_THREE = `query Up($id: ID!) { workspace(id: $id) { name parent { name parent { name parent { name } } } } }`;

describe('round trips per request', () => {
  let server: TestServer;
  let logs: CapturedLogs;

  const make = async (parentId: string, name: string): Promise<string> =>
    (await server.asAdmin<CreatedWorkspace>(CREATE_WORKSPACE, { parentId, name })).data?.createWorkspace.workspace.id ?? '';

  /** A tree of the given fan-out and depth 3 under a fresh child of the root; returns its top and one leaf. */
  const tree = async (label: string, fanOut: number): Promise<{ top: string; leaf: string }> => {
    const top = await make(server.runtime.bootstrap.rootWorkspaceId, label);
    let leaf = top;
    for (let i = 0; i < fanOut; i += 1) {
      const l1 = await make(top, `${label}-${i}`);
      for (let j = 0; j < fanOut; j += 1) {
        const l2 = await make(l1, `${label}-${i}-${j}`);
        for (let k = 0; k < fanOut; k += 1) leaf = await make(l2, `${label}-${i}-${j}-${k}`);
      }
    }
    return { top, leaf };
  };

  const countsOf = async (operationName: string, query: string, id: string) => {
    logs.lines.length = 0;
    const response = await server.asAdmin(query, { id });
    expect(response.errors).toBeUndefined();
    const line = logs.lines.find((l) => l.event === 'graphql_request' && l.operationName === operationName);
    return { sql: line?.sql, spicedb: line?.spicedb, data: response.data };
  };

  beforeAll(async () => {
    logs = captureLogs();
    server = await startTestServer({ LOG_LEVEL: 'info' }, { logger: logs.logger });
  });
  afterAll(async () => server.stop());

  it('a 3-level children query costs the same for 8 nodes as for 39', async () => {
    const small = await tree('small', 2);
    const large = await tree('large', 3);
    const smallCounts = await countsOf('Walk', THREE_LEVELS, small.top);
    const largeCounts = await countsOf('Walk', THREE_LEVELS, large.top);
    expect(JSON.stringify(largeCounts.data).match(/large-/g)?.length).toBe(3 + 9 + 27);
    expect({ sql: largeCounts.sql, spicedb: largeCounts.spicedb }).toEqual({ sql: smallCounts.sql, spicedb: smallCounts.spicedb });
    // API key lookup + freshness token + the workspace + one children statement per level.
    expect(largeCounts.sql).toBe(6);
    // One check for the top workspace; its descendants inherit view (schema.zed: + parent->view).
    expect(largeCounts.spicedb).toBe(1);
  });

  it('walking up three parents costs one statement and one bulk check for the whole chain', async () => {
    const { leaf } = await tree('up', 1);
    const counts = await countsOf('Up', UP_THREE, leaf);
    expect(counts.data).toMatchObject({ workspace: { parent: { parent: { parent: { name: 'up' } } } } });
    // API key + freshness token + the leaf + its ancestors in one recursive statement.
    expect(counts.sql).toBe(4);
    // The leaf, then every ancestor in one bulk call (visibility does not inherit upwards).
    expect(counts.spicedb).toBe(2);
  });
});
