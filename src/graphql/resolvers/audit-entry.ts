import type { AuditEntryResolvers } from '../generated/resolvers-types.js';
import { callerOf } from '../context.js';

/** Every other field is the entry's own, by name. */
export const AuditEntry: AuditEntryResolvers = {
  // One statement per page: the actors of every entry of the page in one batch.
  actor: (entry, _, ctx) => (entry.actorId ? ctx.services.users.actor(callerOf(ctx), entry.actorId) : null),
};
