/**
 * The roles every layer speaks of: stored in the membership tables, named as relations in
 * schema.zed (a group's `member` role is its `direct_member` relation), carried by the events.
 */
export type TenantRole = 'admin' | 'member';
export type WorkspaceRole = 'admin' | 'editor' | 'member';
export type GroupRole = 'admin' | 'member';

/** A subject that can hold a workspace role: a user, or every member of a group. */
export type WorkspaceSubject = { type: 'user'; id: string } | { type: 'group'; id: string };
