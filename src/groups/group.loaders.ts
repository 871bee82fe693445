import type DataLoader from 'dataloader';
import type { Caller } from '../request/caller.js';
import { ListLoaders, loaderById } from '../request/loader.js';
import type { PageRequest } from '../shared/pagination.js';
import { findGroupsByIds } from './group.repository.js';
import { listGroupMembers, type ListedGroupMember } from './group-member.repository.js';
import type { Group } from './group.js';

export interface GroupLoaders {
  byId: DataLoader<string, Group | null>;
  /** A page of members, by group; groups asking for the same page share one statement. */
  members: ListLoaders<PageRequest, ListedGroupMember>;
}

export const groupLoaders = (caller: Caller): GroupLoaders => ({
  byId: loaderById(caller, async (ids) => findGroupsByIds(await caller.reads(), ids)),
  members: new ListLoaders(caller, async (groupIds, page) => listGroupMembers(await caller.reads(), groupIds, page)),
});
