import { ConflictError, NotFoundError, type AppError } from '../../shared/errors.js';

interface PgError {
  code?: string;
  constraint?: string;
  message?: string;
}

function isPgError(error: unknown): error is PgError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof (error as PgError).code === 'string';
}

/** Constraint name → the stable error a client sees. The log keeps the original. */
const CONSTRAINT_ERRORS: Record<string, () => AppError> = {
  tenants_name_key: () => new ConflictError('A tenant with this name already exists', { reason: 'TENANT_NAME_TAKEN' }),
  workspaces_sibling_name_key: () =>
    new ConflictError('A sibling workspace with this name already exists', { reason: 'WORKSPACE_NAME_TAKEN' }),
  workspaces_one_root_per_tenant: () => new ConflictError('The tenant already has a root workspace', { reason: 'ROOT_EXISTS' }),
  workspaces_parent_fkey: () =>
    new ConflictError('The workspace has children or its parent is gone', { reason: 'WORKSPACE_HAS_CHILDREN' }),
  // Backstops of moveWorkspace's own checks, raised by the move trigger (migrations/0007_workspace_moves.sql).
  workspaces_no_cycle: () => new ConflictError('A workspace cannot move into its own subtree', { reason: 'WOULD_CREATE_CYCLE' }),
  workspaces_depth: () => new ConflictError('The workspace moved meanwhile; try again', { reason: 'WORKSPACE_MOVED_MEANWHILE' }),
  groups_name_key: () => new ConflictError('A group with this name already exists', { reason: 'GROUP_NAME_TAKEN' }),
  tenant_members_pkey: () => new ConflictError('The user already is a member of this tenant', { reason: 'ALREADY_MEMBER' }),
  group_members_pkey: () => new ConflictError('The user already is a member of this group', { reason: 'ALREADY_MEMBER' }),
  // Grants replace each other under the workspace's lock; these back that up.
  workspace_members_user_key: () => new ConflictError('The user already holds a role on this workspace', { reason: 'ALREADY_MEMBER' }),
  workspace_members_group_key: () => new ConflictError('The group already holds a role on this workspace', { reason: 'ALREADY_MEMBER' }),
  // One pending invitation per tenant and address (migrations/0011_invitations.sql).
  invitations_one_pending_key: () =>
    new ConflictError('This address already has a pending invitation to this tenant: revoke it first to invite again', { reason: 'INVITATION_PENDING' }),
  api_keys_name_key: () => new ConflictError('An API key with this name already exists', { reason: 'API_KEY_NAME_TAKEN' }),
};

export const PG_FOREIGN_KEY_VIOLATION = '23503';

/** Maps a database error to an AppError when it is a known constraint; otherwise returns it unchanged. */
export function mapDatabaseError(error: unknown): unknown {
  if (!isPgError(error)) return error;
  if (error.constraint === 'workspaces_parent_fkey' && error.message?.startsWith('insert')) {
    // The parent vanished between our check and our insert.
    return new NotFoundError('Parent workspace not found', { cause: error });
  }
  const make = error.constraint ? CONSTRAINT_ERRORS[error.constraint] : undefined;
  if (make) {
    const mapped = make();
    (mapped as { cause?: unknown }).cause = error;
    return mapped;
  }
  if (error.code === PG_FOREIGN_KEY_VIOLATION) return new NotFoundError('A referenced record does not exist', { cause: error });
  return error;
}


// Class 08 (connection exception), 57P01–57P03 (admin/crash shutdown, cannot connect now), 53300 (too many connections).
const UNAVAILABLE_SQLSTATE = /^(08|57P0[123]$|53300$)/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect|not currently accepting connections/i;

/** True when PostgreSQL could not be reached or dropped the connection: worth retrying later. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))) return true;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}
