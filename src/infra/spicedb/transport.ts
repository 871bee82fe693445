import type { v1 } from '@authzed/authzed-node';

/**
 * The SpiceDB calls this service makes, as the `v1` messages travel: a remote server's gRPC client,
 * the embedded library in this process (tests), or the embedded library in its own process
 * (embedded/embedded-process.ts) all provide them. Streaming calls resolve to every response.
 */
export interface SpiceDbTransport {
  writeSchema(request: v1.WriteSchemaRequest): Promise<v1.WriteSchemaResponse>;
  readSchema(request: v1.ReadSchemaRequest): Promise<v1.ReadSchemaResponse>;
  writeRelationships(request: v1.WriteRelationshipsRequest): Promise<v1.WriteRelationshipsResponse>;
  checkBulkPermissions(request: v1.CheckBulkPermissionsRequest): Promise<v1.CheckBulkPermissionsResponse>;
  lookupResources(request: v1.LookupResourcesRequest): Promise<v1.LookupResourcesResponse[]>;
  readRelationships(request: v1.ReadRelationshipsRequest): Promise<v1.ReadRelationshipsResponse[]>;
  close(): void;
}

/** The two service clients SpiceDB speaks; one object for a remote server, two for the embedded library. */
export interface ZedClients {
  permissions: v1.ZedClientInterface;
  schema: v1.ZedClientInterface;
  close(): void;
}

/** A transport over `v1` clients (remote gRPC, or the embedded library's in-process clients). */
export function clientTransport(clients: ZedClients): SpiceDbTransport {
  const permissions = clients.permissions.promises;
  const schema = clients.schema.promises;
  return {
    writeSchema: (request) => schema.writeSchema(request),
    readSchema: (request) => schema.readSchema(request),
    writeRelationships: (request) => permissions.writeRelationships(request),
    checkBulkPermissions: (request) => permissions.checkBulkPermissions(request),
    lookupResources: (request) => permissions.lookupResources(request),
    readRelationships: (request) => permissions.readRelationships(request),
    close: () => clients.close(),
  };
}
