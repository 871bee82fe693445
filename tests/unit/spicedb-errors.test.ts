import { status } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import {
  SpiceDbConnectionLostError,
  SpiceDbDatastoreTimeoutError,
  SpiceDbError,
  SpiceDbUnavailableError,
  toSpiceDbError,
} from '../../src/infra/spicedb/spicedb-errors.js';

const goError = (code: string, desc: string): Error => new Error(`rpc error: code = ${code} desc = ${desc}`);

describe('SpiceDB errors, mapped once', () => {
  it('reads the Go status of the embedded library and the numeric code of the gRPC client alike', () => {
    const embedded = toSpiceDbError(goError('InvalidArgument', 'bad relation'), 'CheckBulkPermissions');
    const remote = toSpiceDbError(Object.assign(new Error('bad relation'), { code: status.INVALID_ARGUMENT }), 'CheckBulkPermissions');
    for (const error of [embedded, remote]) {
      expect(error).toBeInstanceOf(SpiceDbError);
      expect(error.grpcCode).toBe(status.INVALID_ARGUMENT);
      expect(error.transient).toBe(false);
    }
  });

  it('calls a datastore connection that PostgreSQL closed a lost connection, whatever status SpiceDB gives it', () => {
    const lost = [
      goError('Internal', 'unable to find revision: FATAL: terminating connection due to administrator command (SQLSTATE 57P01)'),
      goError('Unknown', 'failed to read: FATAL: the database system is starting up (SQLSTATE 57P03)'),
      goError('Internal', 'query failed: conn closed'),
      goError('Unavailable', 'write failed: unexpected EOF'),
    ];
    for (const error of lost) {
      const mapped = toSpiceDbError(error, 'CheckBulkPermissions');
      expect(mapped).toBeInstanceOf(SpiceDbConnectionLostError);
      expect(mapped.transient).toBe(true);
    }
  });

  it('tells a datastore socket timeout (retried once) from a lost connection and from a call deadline', () => {
    const mapped = toSpiceDbError(
      goError('Unknown', 'unable to read namespace config: timeout: read tcp 127.0.0.1:54576->127.0.0.1:43485: i/o timeout'),
      'ReadRelationships',
    );
    expect(mapped).toBeInstanceOf(SpiceDbDatastoreTimeoutError);
    expect(mapped).not.toBeInstanceOf(SpiceDbConnectionLostError);
    expect(mapped.transient).toBe(true);
    expect(toSpiceDbError(goError('DeadlineExceeded', 'context deadline exceeded'), 'ReadRelationships')).not.toBeInstanceOf(SpiceDbDatastoreTimeoutError);
  });

  it('does not call a datastore that refuses connections, or a timeout, a lost connection', () => {
    const refused = toSpiceDbError(goError('Unavailable', 'dial tcp 127.0.0.1:5432: connect: connection refused'), 'CheckBulkPermissions');
    const slow = toSpiceDbError(goError('DeadlineExceeded', 'context deadline exceeded'), 'CheckBulkPermissions');
    for (const error of [refused, slow]) {
      expect(error).toBeInstanceOf(SpiceDbUnavailableError);
      expect(error).not.toBeInstanceOf(SpiceDbConnectionLostError);
    }
  });
});
