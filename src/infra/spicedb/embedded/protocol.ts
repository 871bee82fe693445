import { v1 } from '@authzed/authzed-node';
import type { SpiceDbTransport } from '../transport.js';

/** What the embedded SpiceDB process is started with. */
export interface HostOptions {
  datastore: 'memory' | 'postgres';
  /** pgx connection URL of the datastore (postgres only). */
  datastoreUri?: string | undefined;
}

export type MethodName = Exclude<keyof SpiceDbTransport, 'close'>;

interface MethodSpec {
  request: { fromBinary(bytes: Uint8Array): object };
  response: { fromBinary(bytes: Uint8Array): object };
  /** Server-streaming: the host answers with every response. */
  streaming: boolean;
}

/** Requests and responses cross the process boundary as protobuf bytes, like gRPC would carry them. */
export const METHODS = {
  writeSchema: { request: v1.WriteSchemaRequest, response: v1.WriteSchemaResponse, streaming: false },
  readSchema: { request: v1.ReadSchemaRequest, response: v1.ReadSchemaResponse, streaming: false },
  writeRelationships: { request: v1.WriteRelationshipsRequest, response: v1.WriteRelationshipsResponse, streaming: false },
  checkBulkPermissions: { request: v1.CheckBulkPermissionsRequest, response: v1.CheckBulkPermissionsResponse, streaming: false },
  lookupResources: { request: v1.LookupResourcesRequest, response: v1.LookupResourcesResponse, streaming: true },
  readRelationships: { request: v1.ReadRelationshipsRequest, response: v1.ReadRelationshipsResponse, streaming: true },
} satisfies Record<MethodName, MethodSpec>;

export type ToHost =
  | { type: 'start'; options: HostOptions }
  | { type: 'call'; id: number; method: MethodName; request: Uint8Array }
  | { type: 'close' };

export type FromHost =
  | { type: 'started' }
  | { type: 'start-failed'; message: string }
  | { type: 'result'; id: number; response: Uint8Array | Uint8Array[] }
  | { type: 'error'; id: number; message: string };
