/**
 * `npm run gateway -- [--config supergraph.config.json]`: the federated graph on one machine. Composes
 * the subgraphs of supergraph.config.json (as `npm run compose` does) and serves the supergraph
 * through Apollo Gateway at http://HOST:GATEWAY_PORT/graphql (GraphiQL included), forwarding
 * Authorization, X-API-Key and X-Request-Id to the subgraphs and inserting router-authorization
 * from ROUTER_SECRET, like router.yaml. A development tool: @apollo/gateway and @apollo/composition
 * are devDependencies (Elastic-2.0), installed by `npm ci` but not in the production image.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.js';
import { startGatewayServer } from '../gateway/gateway-server.js';
import { createConsoleLogger } from '../logger.js';
import { composeFromConfigFile, ComposeError, describeComposition } from './compose.js';

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string', default: 'supergraph.config.json' } } });
  const config = loadConfig();
  const logger = createConsoleLogger(config);
  const { subgraphs, result } = await composeFromConfigFile(path.resolve(values.config ?? 'supergraph.config.json'));
  for (const line of describeComposition(result)) console.error(line);
  if (!result.ok) return 1;
  const server = await startGatewayServer({
    supergraphSdl: result.supergraphSdl,
    host: config.HOST,
    port: config.GATEWAY_PORT,
    routerSecret: config.ROUTER_SECRET,
    logger,
  });
  const routes = subgraphs.map((s) => `${s.name} (${s.url})`).join(', ');
  logger.info(
    { event: 'gateway_started', url: server.url, subgraphs: subgraphs.map((s) => ({ name: s.name, url: s.url })), routerAuthorization: config.ROUTER_SECRET !== undefined },
    `gateway listening on ${server.url}, routing to ${routes}${config.ROUTER_SECRET ? '; inserting router-authorization' : ''}`,
  );
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'gateway_stopping', signal }, 'gateway shutting down');
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'gateway shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof ComposeError || error instanceof ConfigError ? `gateway: ${error.message}` : error);
    process.exit(1);
  },
);
