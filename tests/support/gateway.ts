import { startGatewayServer } from '../../src/gateway/gateway-server.js';
import { createLogger } from '../../src/logger.js';

export interface Gateway {
  url: string;
  stop(): Promise<void>;
}

/** `npm run gateway`'s server (src/gateway/) on a free port, serving a fixed supergraph. */
export async function startGateway(supergraphSdl: string, routerSecret?: string): Promise<Gateway> {
  return startGatewayServer({ supergraphSdl, host: '127.0.0.1', port: 0, routerSecret, logger: createLogger('silent') });
}
