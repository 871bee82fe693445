import { workspaceMemberTuple, workspaceStructure } from '../relationships/relationship-tuples.js';
import { entry, remove, touch } from './event-entry.js';
import type { WorkspaceRole, WorkspaceSubject } from './roles.js';

const workspace = (e: { workspaceId: string }) => ({ type: 'workspace' as const, id: e.workspaceId });

interface Grant {
  tenantId: string;
  workspaceId: string;
  subject: WorkspaceSubject;
  role: WorkspaceRole;
}

/** The workspace tree and the direct grants on its workspaces. */
export const workspaceEvents = {
  WorkspaceCreated: entry<{ tenantId: string; workspaceId: string; parentId: string | null; name: string }>({
    aggregate: workspace,
    relationships: (e) => workspaceStructure(e).map(touch),
    log: { name: 'workspace_created', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, parentId: e.parentId }) },
  }),
  WorkspaceRenamed: entry<{ tenantId: string; workspaceId: string; name: string; previousName: string }>({
    aggregate: workspace,
    relationships: () => [],
    log: { name: 'workspace_renamed', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId }) },
  }),
  /** The grants it had go with it, in the same write. */
  WorkspaceDeleted: entry<{ tenantId: string; workspaceId: string; parentId: string | null; members: { subject: WorkspaceSubject; role: WorkspaceRole }[] }>({
    aggregate: workspace,
    relationships: (e) => [...workspaceStructure(e), ...e.members.map((m) => workspaceMemberTuple(e.workspaceId, m.subject, m.role))].map(remove),
    log: { name: 'workspace_deleted', fields: (e) => ({ workspaceId: e.workspaceId, tenantId: e.tenantId, grants: e.members.length }) },
  }),
  WorkspaceMemberAdded: entry<Grant>({
    aggregate: workspace,
    relationships: (e) => [touch(workspaceMemberTuple(e.workspaceId, e.subject, e.role))],
    log: { name: 'workspace_role_granted', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role, previousRole: null }) },
  }),
  WorkspaceMemberRemoved: entry<Grant>({
    aggregate: workspace,
    relationships: (e) => [remove(workspaceMemberTuple(e.workspaceId, e.subject, e.role))],
    log: { name: 'workspace_role_revoked', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role }) },
  }),
  WorkspaceMemberRoleChanged: entry<Grant & { previousRole: WorkspaceRole }>({
    aggregate: workspace,
    relationships: (e) => [remove(workspaceMemberTuple(e.workspaceId, e.subject, e.previousRole)), touch(workspaceMemberTuple(e.workspaceId, e.subject, e.role))],
    log: { name: 'workspace_role_granted', fields: (e) => ({ workspaceId: e.workspaceId, subject: e.subject, role: e.role, previousRole: e.previousRole }) },
  }),
};
