/**
 * The error tree every layer throws. Each error carries a stable code (what clients switch on),
 * a client message, and optionally details that only reach the log.
 */
export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'BAD_USER_INPUT'
  | 'INTERNAL_SERVER_ERROR';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  /** A finer, stable reason such as `WORKSPACE_HAS_CHILDREN`, for clients that need it. */
  readonly reason: string | undefined;
  /** Extra fields shown to the client (e.g. the offending input field). */
  readonly details: Record<string, unknown>;

  constructor(message: string, options: { reason?: string; extensions?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = options.reason;
    this.details = options.extensions ?? {};
  }

  /**
   * graphql-js copies `originalError.extensions` onto the GraphQL error it wraps us in, so this is
   * what clients see. No error thrown by a field sets the HTTP status: a field that needs a caller
   * fails alone (UNAUTHENTICATED) and the response stays 200 with the others' data, which a router
   * keeps (it treats a non-2xx answer as a failed fetch and loses the rest of the query). Only
   * invalid credentials fail the whole request with 401 (context-factory.ts).
   */
  get extensions(): Record<string, unknown> {
    return { code: this.code, ...(this.reason ? { reason: this.reason } : {}), ...this.details };
  }
}

export class UnauthenticatedError extends AppError {
  override name = 'UnauthenticatedError';
  readonly code = 'UNAUTHENTICATED' as const;
}

/** What a refusal for a missing permission names, for its DENIED audit entry (never shown to the client). */
export interface Refusal {
  resourceType: 'tenant' | 'workspace' | 'group' | 'api_key';
  resourceId: string;
  tenantId: string;
  /** As schema.zed names it. */
  permission: string;
}

export class ForbiddenError extends AppError {
  override name = 'ForbiddenError';
  readonly code = 'FORBIDDEN' as const;
  /** Set when the caller could see the resource but lacked a permission on it (the DENIED audit entry). */
  readonly refusal: Refusal | undefined;

  constructor(message: string, options: { reason?: string; refusal?: Refusal } = {}) {
    super(message, options.reason ? { reason: options.reason } : {});
    this.refusal = options.refusal;
  }
}

export class NotFoundError extends AppError {
  override name = 'NotFoundError';
  readonly code = 'NOT_FOUND' as const;
}

export class ConflictError extends AppError {
  override name = 'ConflictError';
  readonly code = 'CONFLICT' as const;
}

export class BadInputError extends AppError {
  override name = 'BadInputError';
  readonly code = 'BAD_USER_INPUT' as const;
  readonly field: string;

  constructor(field: string, message: string, reason?: string) {
    super(message, { extensions: { field }, ...(reason ? { reason } : {}) });
    this.field = field;
  }
}

/** Something we did not expect; the client sees a masked message, the log sees the cause. */
export class InternalError extends AppError {
  override name = 'InternalError';
  readonly code = 'INTERNAL_SERVER_ERROR' as const;
}

/**
 * A dependency (database, SpiceDB, identity provider) cannot answer right now. Still an internal
 * error, logged with its cause, but its message and reason are safe to show: the client should retry.
 */
export class UnavailableError extends AppError {
  override name = 'UnavailableError';
  readonly code = 'INTERNAL_SERVER_ERROR' as const;
}
