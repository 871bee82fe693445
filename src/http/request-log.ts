import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../logger.js';
import { runWithCounters } from '../shared/request-counters.js';
import type { RequestMetrics } from './metrics.js';
import { newRequestRecord, type RequestRecord } from './request-record.js';

// Operation names come from clients; a log line keeps enough to recognise one and no more.
const MAX_LOGGED_NAME = 100;

function truncate(value: string | undefined): string | undefined {
  return value !== undefined && value.length > MAX_LOGGED_NAME ? `${value.slice(0, MAX_LOGGED_NAME)}…` : value;
}

/**
 * One log line per GraphQL request (operation, status, duration, principal, error codes, SQL
 * statements and SpiceDB calls) and the request histogram, whatever path the request took.
 * Unexpected errors are logged here, at error level with their cause, once each. Register it in
 * the GraphQL route's scope before any hook that may answer early.
 *
 * A client that goes away before its response is written (a timeout, a closed tab, a router that
 * gave up) gets no `onResponse` from Fastify, though its request still runs to the end and a
 * mutation still commits. Such a request is written when its response is ready (`onSend`), marked
 * `clientClosed`, so what it did and any unexpected error in it are still on record.
 */
export function registerRequestLog(scope: FastifyInstance, deps: { logger: Logger; metrics: RequestMetrics }): void {
  const write = (request: FastifyRequest, reply: FastifyReply, record: RequestRecord): void => {
    if (record.logged) return;
    record.logged = true;
    const durationMs = Math.round(reply.elapsedTime * 100) / 100;
    for (const failure of record.failures) {
      deps.logger.error({ requestId: request.id, err: failure.err, path: failure.path }, 'unexpected error');
    }
    const codes = [...new Set(record.errorCodes)];
    deps.metrics.observe({
      operation: record.operationResolved ? record.operationName : undefined,
      authenticated: record.principal !== undefined,
      outcome: record.clientClosed ? 'CLIENT_CLOSED' : (codes[0] ?? 'ok'),
      seconds: durationMs / 1000,
    });
    deps.logger.info(
      {
        event: 'graphql_request',
        requestId: request.id,
        operationName: truncate(record.operationName) ?? 'anonymous',
        statusCode: reply.statusCode,
        durationMs,
        principalId: record.principal?.userId,
        via: record.principal?.via,
        errorCodes: codes.length > 0 ? codes : undefined,
        clientClosed: record.clientClosed || undefined,
        sql: record.counters.sql,
        spicedb: record.counters.spicedb,
        write: record.counters.write,
      },
      'graphql request',
    );
  };

  scope.addHook('onRequest', (request, reply, done) => {
    const record = newRequestRecord();
    request.graphqlRecord = record;
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      record.clientClosed = true;
      // Gone while the response was being written: neither onSend (passed) nor onResponse will write it.
      if (record.responseReady) write(request, reply, record);
    });
    // Every SQL statement and SpiceDB call made while serving the request is counted for its line.
    runWithCounters(record.counters, done);
  });
  scope.addHook('onSend', async (request, reply, payload) => {
    const record = request.graphqlRecord;
    if (record) {
      record.responseReady = true;
      if (record.clientClosed) write(request, reply, record);
    }
    return payload;
  });
  scope.addHook('onResponse', async (request, reply) => {
    const record = request.graphqlRecord;
    if (record) write(request, reply, record);
  });
}
