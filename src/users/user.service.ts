import { sharesTenantWith } from '../memberships/membership.repository.js';
import type { Caller } from '../request/caller.js';
import { InternalError } from '../shared/errors.js';
import { parseId } from '../shared/ids.js';
import { userLoaders } from './user.loaders.js';
import type { User } from './user.js';

/** Users as callers may see them: themselves, and the people who share a tenant with them. */
export class UserService {
  /** The caller's own user. */
  async me(caller: Caller): Promise<User> {
    const user = await caller.state(userLoaders).byId.load(caller.principal.userId);
    if (!user) throw new InternalError(`principal ${caller.principal.userId} has no user row`);
    return user;
  }

  /** A user the caller may see (within an API key's tenant, for a key); null otherwise, or when malformed. */
  async byReference(caller: Caller, rawId: string): Promise<User | null> {
    const id = parseId(rawId);
    if (!id) return null;
    if (id !== caller.principal.userId && !(await sharesTenantWith(await caller.reads(), caller.principal, id))) return null;
    return caller.state(userLoaders).byId.load(id);
  }
}
