import type DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { loaderById } from '../request/loader.js';
import { findUsersByIds } from './user.repository.js';
import type { User } from './user.js';

export interface UserLoaders {
  byId: DataLoader<string, User | null>;
}

export const userLoaders = (caller: Caller): UserLoaders => ({
  byId: loaderById(caller, async (ids) => findUsersByIds(await caller.reads(), ids)),
});
