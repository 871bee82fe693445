import { loadConfig } from './config.js';
import { createConsoleLogger } from './logger.js';
import { startRuntime } from './runtime.js';

const config = loadConfig();
const logger = createConsoleLogger(config);

try {
  const runtime = await startRuntime(config, logger);
  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown_requested', signal }, 'shutting down');
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  // The reason in the message too: a developer reads this line in a terminal (e.g. DATA_DIR in use).
  logger.fatal({ err: error }, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
