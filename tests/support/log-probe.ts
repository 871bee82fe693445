/** Run as a process by tests/integration/logs: logs one line the way the server's logger would. */
import { loadConfig } from '../../src/config.js';
import { createConsoleLogger } from '../../src/logger.js';

const logger = createConsoleLogger(loadConfig());
logger.info({ event: 'probe', requestId: 'r-1', durationMs: 12.5, secret: 'karto_hidden' }, 'probe line');
