import type { Caller } from '../request/caller.js';
import { BadInputError, InternalError } from '../shared/errors.js';
import { parseId } from '../shared/ids.js';
import { requireId } from '../shared/input.js';
import { nameFilterKey } from '../shared/names.js';
import { pageRequest, toPage, type Page, type PageArgs, type Sorted } from '../shared/pagination.js';
import { userLoaders } from './user.loaders.js';
import { listVisibleUsers } from './user.repository.js';
import type { User } from './user.js';

/** At most this many ids per `users(ids:)`: a lookup, not a way to enumerate. */
export const MAX_USER_IDS = 100;

/**
 * Users as callers may see them: themselves, and the people who share a tenant with them (for an
 * API key, the people of its tenant). Decided in PostgreSQL, where membership lives, so a user
 * removed from a tenant stops seeing its people, and being seen by them, on the next request.
 */
export class UserService {
  /** The caller's own user. */
  async me(caller: Caller): Promise<User> {
    const user = await caller.state(userLoaders).byId.load(caller.principal.userId);
    if (!user) throw new InternalError(`principal ${caller.principal.userId} has no user row`);
    return user;
  }

  /**
   * A user shown by a field whose parent already decided the caller may see them: a member in a
   * list the caller may read. The row exists (memberships reference users), so a miss is a bug.
   */
  async shown(caller: Caller, userId: string): Promise<User> {
    const user = await caller.state(userLoaders).byId.load(userId);
    if (!user) throw new InternalError(`user ${userId} of a membership has no row`);
    return user;
  }

  /**
   * A user named by a record the caller may read (an audit entry's actor, who moved a workspace to
   * the trash): shown whether or not they still share a tenant with the caller; null once gone.
   */
  actor(caller: Caller, userId: string): Promise<User | null> {
    return caller.state(userLoaders).byId.load(userId);
  }

  /** A user the caller may see; null otherwise, or when the id is malformed (federation references). */
  async byReference(caller: Caller, rawId: string): Promise<User | null> {
    const id = parseId(rawId);
    return id ? caller.state(userLoaders).visibleById.load(id) : null;
  }

  /** `users(ids, search)`: the visible users, by username; unknown and hidden ids are left out. */
  async list(caller: Caller, args: PageArgs & { ids?: readonly string[] | null; search?: string | null }): Promise<Page<Sorted<User>>> {
    if (args.ids && args.ids.length > MAX_USER_IDS) {
      throw new BadInputError('ids', `ids takes at most ${MAX_USER_IDS} ids`, 'TOO_MANY_IDS');
    }
    const ids = args.ids?.map((raw) => requireId('ids', raw));
    const searchKey = nameFilterKey('search', args.search);
    const page = pageRequest(args.first, args.after);
    const found = await listVisibleUsers(await caller.reads(), caller.principal, { ids, searchKey }, page);
    caller.budget.spend(found.length);
    return toPage(found, page.first);
  }
}
