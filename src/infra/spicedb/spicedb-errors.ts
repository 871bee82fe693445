import { status as GrpcStatus } from '@grpc/grpc-js';

/**
 * SpiceDB failures, mapped once from transport errors. The embedded library throws plain Errors
 * whose message carries the Go status ("rpc error: code = InvalidArgument desc = ..."); the gRPC
 * client throws ServiceErrors with a numeric code. Both end up here.
 */
export class SpiceDbError extends Error {
  override name = 'SpiceDbError';
  constructor(
    message: string,
    readonly grpcCode: number,
    /** Worth retrying the same request later: SpiceDB down, overloaded or timing out. */
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class SpiceDbUnavailableError extends SpiceDbError {
  override name = 'SpiceDbUnavailableError';
}

/**
 * SpiceDB used a pooled datastore connection that PostgreSQL had closed (restart, failover,
 * `pg_terminate_backend`). SpiceDB drops that connection, so the same call on another one succeeds.
 */
export class SpiceDbConnectionLostError extends SpiceDbUnavailableError {
  override name = 'SpiceDbConnectionLostError';
}

// Admin/crash shutdown, "cannot connect now", connection exceptions (class 08), and pgx's words for a dead socket.
const LOST_CONNECTION = /SQLSTATE (?:57P0[123]|08\d{3})|conn closed|unexpected EOF|broken pipe|connection reset by peer/i;

/**
 * A datastore read that hit its deadline on the socket (pgconn: "timeout: read tcp …: i/o timeout").
 * pgconn closes that connection, so the call may succeed on another; but a datastore that is slow
 * for good would time out again, so such a call is run again once only (SpiceDb.call).
 */
export class SpiceDbDatastoreTimeoutError extends SpiceDbUnavailableError {
  override name = 'SpiceDbDatastoreTimeoutError';
}

const DATASTORE_TIMEOUT = /timeout: (?:read|write) tcp .*i\/o timeout/i;

const GO_CODE_NAMES: Record<string, number> = {
  Canceled: GrpcStatus.CANCELLED,
  Unknown: GrpcStatus.UNKNOWN,
  InvalidArgument: GrpcStatus.INVALID_ARGUMENT,
  DeadlineExceeded: GrpcStatus.DEADLINE_EXCEEDED,
  NotFound: GrpcStatus.NOT_FOUND,
  AlreadyExists: GrpcStatus.ALREADY_EXISTS,
  PermissionDenied: GrpcStatus.PERMISSION_DENIED,
  ResourceExhausted: GrpcStatus.RESOURCE_EXHAUSTED,
  FailedPrecondition: GrpcStatus.FAILED_PRECONDITION,
  Aborted: GrpcStatus.ABORTED,
  OutOfRange: GrpcStatus.OUT_OF_RANGE,
  Unimplemented: GrpcStatus.UNIMPLEMENTED,
  Internal: GrpcStatus.INTERNAL,
  Unavailable: GrpcStatus.UNAVAILABLE,
  DataLoss: GrpcStatus.DATA_LOSS,
  Unauthenticated: GrpcStatus.UNAUTHENTICATED,
};

const TRANSIENT = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.RESOURCE_EXHAUSTED,
  GrpcStatus.ABORTED,
  GrpcStatus.CANCELLED,
  GrpcStatus.UNKNOWN,
]);

export function grpcCodeOf(error: unknown): number {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'number') {
    return (error as { code: number }).code;
  }
  const message = error instanceof Error ? error.message : String(error);
  const match = /code = (\w+)/.exec(message);
  return match?.[1] ? (GO_CODE_NAMES[match[1]] ?? GrpcStatus.UNKNOWN) : GrpcStatus.UNKNOWN;
}

export function toSpiceDbError(error: unknown, operation: string): SpiceDbError {
  if (error instanceof SpiceDbError) return error;
  const code = grpcCodeOf(error);
  const detail = error instanceof Error ? error.message : String(error);
  const message = `SpiceDB ${operation} failed: ${detail}`;
  if (LOST_CONNECTION.test(detail)) return new SpiceDbConnectionLostError(message, code, true, { cause: error });
  if (DATASTORE_TIMEOUT.test(detail)) return new SpiceDbDatastoreTimeoutError(message, code, true, { cause: error });
  return code === GrpcStatus.UNAVAILABLE || code === GrpcStatus.DEADLINE_EXCEEDED
    ? new SpiceDbUnavailableError(message, code, true, { cause: error })
    : new SpiceDbError(message, code, TRANSIENT.has(code), { cause: error });
}
