import { workspaceMemberTuple, workspaceParentTuple, workspaceStructure } from '../relationships/relationship-tuples.js';
import { change, expiryChange, roleChange, type AuditRecord } from './audit-record.js';
import { entry, remove, touch } from './event-entry.js';
import type { WorkspaceRole, WorkspaceSubject } from './roles.js';

const workspace = (e: { workspaceId: string }) => ({ type: 'workspace' as const, id: e.workspaceId });

interface Grant {
  tenantId: string;
  workspaceId: string;
  subject: WorkspaceSubject;
  role: WorkspaceRole;
  /** When the grant ends (ISO 8601); absent or null: never. Written into the relationship (OptionalExpiresAt). */
  expiresAt?: string | null;
}

/** A workspace as it leaves or comes back: its place, its name and the grants it holds. */
interface Held {
  tenantId: string;
  workspaceId: string;
  parentId: string | null;
  name?: string;
  members: { subject: WorkspaceSubject; role: WorkspaceRole; expiresAt?: string | null }[];
}

/** Everything SpiceDB holds for a workspace: its place in the tree and its grants. */
const heldTuples = (e: Held) => [...workspaceStructure(e), ...e.members.map((m) => workspaceMemberTuple(e.workspaceId, m.subject, m.role, m.expiresAt))];

/** The grants a removal took along, each its own entry. */
const grantsTaken = (e: Held): AuditRecord[] =>
  e.members.map((m) => ({ action: 'WORKSPACE_ROLE_REVOKED', target: { ...workspace(e), name: e.name ?? null }, subject: m.subject, changes: roleChange(m.role, null) }));

/** The workspace tree and the direct grants on its workspaces. */
export const workspaceEvents = {
  WorkspaceCreated: entry<{ tenantId: string; workspaceId: string; parentId: string | null; name: string }>({
    aggregate: workspace,
    relationships: (e) => workspaceStructure(e).map(touch),
    log: { name: 'workspace_created', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, parentId: e.parentId }) },
    audit: (e) => [{ action: 'WORKSPACE_CREATED', target: { ...workspace(e), name: e.name }, changes: [change('name', null, e.name), change('parent', null, e.parentId)] }],
  }),
  WorkspaceRenamed: entry<{ tenantId: string; workspaceId: string; name: string; previousName: string }>({
    aggregate: workspace,
    relationships: () => [],
    log: { name: 'workspace_renamed', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId }) },
    audit: (e) => [{ action: 'WORKSPACE_RENAMED', target: { ...workspace(e), name: e.name }, changes: [change('name', e.previousName, e.name)] }],
  }),
  /**
   * A subtree under a new parent: the one `parent` edge swapped in one write (never two parents or
   * none); the descendants' edges and every grant stay as they are, so inheritance follows the tree.
   */
  WorkspaceMoved: entry<{ tenantId: string; workspaceId: string; previousParentId: string; parentId: string; name: string; subtreeSize: number }>({
    aggregate: workspace,
    relationships: (e) => [remove(workspaceParentTuple(e.workspaceId, e.previousParentId)), touch(workspaceParentTuple(e.workspaceId, e.parentId))],
    log: {
      name: 'workspace_moved',
      fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, previousParentId: e.previousParentId, parentId: e.parentId, subtreeSize: e.subtreeSize }),
    },
    audit: (e) => [{ action: 'WORKSPACE_MOVED', target: { ...workspace(e), name: e.name }, changes: [change('parent', e.previousParentId, e.parentId)] }],
  }),
  /** Erased for good with its tenant: the grants it had go with it, in the same write. */
  WorkspaceDeleted: entry<Held>({
    aggregate: workspace,
    relationships: (e) => heldTuples(e).map(remove),
    log: { name: 'workspace_deleted', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, grants: e.members.length }) },
    audit: (e) => [{ action: 'WORKSPACE_DELETED', target: { ...workspace(e), name: e.name ?? null }, changes: [change('parent', e.parentId, null)] }, ...grantsTaken(e)],
  }),
  /** Moved to the trash: its relationships leave SpiceDB; its row and grants stay in PostgreSQL. */
  WorkspaceTrashed: entry<Held & { name: string }>({
    aggregate: workspace,
    relationships: (e) => heldTuples(e).map(remove),
    log: { name: 'workspace_deleted', message: 'workspace moved to the trash', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, grants: e.members.length }) },
    audit: (e) => [{ action: 'WORKSPACE_DELETED', target: { ...workspace(e), name: e.name }, changes: [change('deleted', 'false', 'true')] }],
  }),
  /** Back from the trash under its old parent, with the grants that are still valid. */
  WorkspaceRestored: entry<Held & { name: string; previousName: string }>({
    aggregate: workspace,
    relationships: (e) => heldTuples(e).map(touch),
    log: { name: 'workspace_restored', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, grants: e.members.length }) },
    audit: (e) => [
      {
        action: 'WORKSPACE_RESTORED',
        target: { ...workspace(e), name: e.name },
        changes: [change('deleted', 'true', 'false'), ...(e.name === e.previousName ? [] : [change('name', e.previousName, e.name)])],
      },
    ],
  }),
  /** Erased from the trash (its relationships left SpiceDB with the trashing), with its grants. */
  WorkspacePurged: entry<Held & { name: string }>({
    aggregate: workspace,
    relationships: 'postgresql-only',
    log: { name: 'workspace_purged', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, grants: e.members.length }) },
    audit: (e) => [{ action: 'WORKSPACE_PURGED', target: { ...workspace(e), name: e.name }, changes: [change('name', e.name, null)] }, ...grantsTaken(e)],
  }),
  WorkspaceMemberAdded: entry<Grant>({
    aggregate: workspace,
    relationships: (e) => [touch(workspaceMemberTuple(e.workspaceId, e.subject, e.role, e.expiresAt))],
    log: { name: 'workspace_role_granted', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role, previousRole: null, expiresAt: e.expiresAt ?? null }) },
    audit: (e) => [{ action: 'WORKSPACE_ROLE_GRANTED', target: workspace(e), subject: e.subject, changes: [...roleChange(null, e.role), ...expiryChange(null, e.expiresAt)] }],
  }),
  WorkspaceMemberRemoved: entry<Grant>({
    aggregate: workspace,
    relationships: (e) => [remove(workspaceMemberTuple(e.workspaceId, e.subject, e.role))],
    log: { name: 'workspace_role_revoked', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role }) },
    audit: (e) => [{ action: 'WORKSPACE_ROLE_REVOKED', target: workspace(e), subject: e.subject, changes: roleChange(e.role, null) }],
  }),
  WorkspaceMemberRoleChanged: entry<Grant & { previousRole: WorkspaceRole; previousExpiresAt?: string | null }>({
    aggregate: workspace,
    relationships: (e) => [remove(workspaceMemberTuple(e.workspaceId, e.subject, e.previousRole)), touch(workspaceMemberTuple(e.workspaceId, e.subject, e.role, e.expiresAt))],
    log: { name: 'workspace_role_granted', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role, previousRole: e.previousRole, expiresAt: e.expiresAt ?? null }) },
    audit: (e) => [
      { action: 'WORKSPACE_ROLE_GRANTED', target: workspace(e), subject: e.subject, changes: [...roleChange(e.previousRole, e.role), ...expiryChange(e.previousExpiresAt, e.expiresAt)] },
    ],
  }),
  /** The same role granted again with another end (or none): the relationship is written again with it. */
  WorkspaceMemberExpiryChanged: entry<Grant & { previousExpiresAt: string | null }>({
    aggregate: workspace,
    relationships: (e) => [touch(workspaceMemberTuple(e.workspaceId, e.subject, e.role, e.expiresAt))],
    log: { name: 'workspace_role_expiry_changed', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role, expiresAt: e.expiresAt ?? null, previousExpiresAt: e.previousExpiresAt }) },
    audit: (e) => [{ action: 'WORKSPACE_ROLE_EXPIRY_CHANGED', target: workspace(e), subject: e.subject, changes: [change('expiresAt', e.previousExpiresAt, e.expiresAt)] }],
  }),
  /**
   * Swept by SYSTEM after its end (src/lifecycle/grant-expiry.ts). SpiceDB stopped counting it at
   * that instant already; the delete only removes what its garbage collector would.
   */
  WorkspaceMemberExpired: entry<Grant & { expiresAt: string }>({
    aggregate: workspace,
    relationships: (e) => [remove(workspaceMemberTuple(e.workspaceId, e.subject, e.role))],
    log: { name: 'workspace_role_expired', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role, expiresAt: e.expiresAt }) },
    audit: (e) => [{ action: 'WORKSPACE_ROLE_EXPIRED', target: workspace(e), subject: e.subject, changes: [...roleChange(e.role, null), change('expiresAt', e.expiresAt, null)] }],
  }),
};
