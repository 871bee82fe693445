import type DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { loaderById } from '../request/loader.js';
import { findUsersByIds, findVisibleUsersByIds } from './user.repository.js';
import type { User } from './user.js';

export interface UserLoaders {
  /** Any user by id, for fields whose parent already decided the caller may see them (members, the caller). */
  byId: DataLoader<string, User | null>;
  /** Users the caller may see (themselves, and those who share a tenant with them), by id. */
  visibleById: DataLoader<string, User | null>;
}

export const userLoaders = (caller: Caller): UserLoaders => ({
  byId: loaderById(caller, async (ids) => findUsersByIds(await caller.reads(), ids)),
  visibleById: loaderById(caller, async (ids) => findVisibleUsersByIds(await caller.reads(), caller.principal, ids)),
});
