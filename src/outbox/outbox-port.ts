import type { OutboxPort } from '../changes/unit-of-work.js';
import type { ApplyWaiter } from './apply-waiter.js';
import { appendEvents } from './outbox.repository.js';

/**
 * The outbox behind the unit of work. Without a waiter (seeding, offline tools) nothing waits for
 * SpiceDB, and every change reports `authorizationSynced: false` until a relay applies it.
 */
export function outboxPort(waiter?: ApplyWaiter): OutboxPort {
  return {
    append: appendEvents,
    waitApplied: (seqs, timeoutMs) => (waiter ? waiter.waitFor(seqs, timeoutMs) : Promise.resolve('pending')),
  };
}
