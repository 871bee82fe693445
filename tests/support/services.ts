import type { RunOptions, Transaction } from '../../src/changes/unit-of-work.js';
import { systemActor } from '../../src/events/actor.js';
import type { DomainEvent } from '../../src/events/domain-events.js';
import type { Db } from '../../src/infra/db/database.js';
import { createLogger } from '../../src/logger.js';
import { outboxPort } from '../../src/outbox/outbox-port.js';
import { createServices, type Services } from '../../src/services.js';

/**
 * The service layer over a test database, as the runtime builds it, but without a relay to wait
 * for: changes commit with their outbox events and report `authorizationSynced: false`.
 */
export function servicesFor(database: { db: Db }): Services {
  return createServices({
    db: database.db,
    outbox: outboxPort(),
    logger: createLogger('silent'),
    settings: { allowTenantCreation: true, rootWorkspaceName: 'Root', maxWorkspaceDepth: 10, authzSyncWaitMs: 0 },
  });
}

/** The author of changes a test makes directly through the unit of work, to set up what it needs. */
export const TEST_SETUP = { by: { actor: systemActor('test-setup') } } satisfies RunOptions;

/** Runs a service building block in a bare transaction and returns what it emitted, without appending it. */
export async function emitted<T>(db: Db, work: (tx: Transaction) => Promise<T>): Promise<{ value: T; events: DomainEvent[] }> {
  const events: DomainEvent[] = [];
  const emit = (event: DomainEvent): void => void events.push(event);
  const value = await db.transaction().execute((trx) => work({ trx, actor: TEST_SETUP.by.actor, emit, emitConsequence: emit }));
  return { value, events };
}
