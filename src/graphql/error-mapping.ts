import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { isDatabaseUnavailable } from '../infra/db/pg-errors.js';
import { SpiceDbError } from '../infra/spicedb/spicedb-errors.js';
import { AppError, UnavailableError } from '../shared/errors.js';

/** What a client may learn of an error, and whether it is ours to investigate. */
export interface ErrorVerdict {
  code: string;
  /** The client's message; for unexpected errors a fixed mask. */
  message: string;
  extensions: Record<string, unknown>;
  /** An INTERNAL_SERVER_ERROR: logged at error level, with its cause, once per request. */
  unexpected: boolean;
}

/** The status of a response that failed as a whole (before any resolver ran) with this verdict. */
export function requestFailureStatus(verdict: ErrorVerdict): number {
  if (verdict.unexpected) return verdict.message === MASKED_MESSAGE ? 500 : 503;
  return verdict.code === 'UNAUTHENTICATED' ? 401 : 400;
}

export const MASKED_MESSAGE = 'Internal server error';
const INTERNAL = 'INTERNAL_SERVER_ERROR';
// graphql-js's parser says so when `maxTokens` stops it.
// graphql-js 16 words it "more that"; accept the corrected spelling too.
const TOKEN_LIMIT = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/;

function unavailable(message: string, reason: string): ErrorVerdict {
  return { code: INTERNAL, message, extensions: { reason }, unexpected: true };
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && chain.length < 8; ) {
    chain.push(e);
    e = e instanceof GraphQLError ? e.originalError : e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

/**
 * The one mapping from anything thrown while serving a request to what the client sees. Our own
 * errors keep their code; graphql-js and Apollo request errors keep theirs; dependencies being
 * down say so (retry later); everything else is masked.
 */
export function classifyError(error: unknown): ErrorVerdict {
  let original = unwrapResolverError(error);
  // Errors raised outside resolvers (context creation) arrive wrapped without a path.
  if (original instanceof GraphQLError && original.originalError && !(original.originalError instanceof GraphQLError)) {
    original = original.originalError;
  }
  if (original instanceof AppError) {
    if (original.code !== INTERNAL) return { code: original.code, message: original.message, extensions: original.extensions, unexpected: false };
    if (original instanceof UnavailableError) return unavailable(original.message, original.reason ?? 'UNAVAILABLE');
    return { code: INTERNAL, message: MASKED_MESSAGE, extensions: {}, unexpected: true };
  }
  if (original instanceof SpiceDbError && original.transient) {
    return unavailable('Authorization is temporarily unavailable; retry shortly', 'AUTHORIZATION_UNAVAILABLE');
  }
  if (isDatabaseUnavailable(original)) return unavailable('The database is temporarily unavailable; retry shortly', 'DATABASE_UNAVAILABLE');
  const chain = causes(error);
  // graphql-js's recursive-descent parser overflows the stack on deep nesting; say what it means.
  if (chain.some((e) => e instanceof RangeError)) {
    return { code: 'GRAPHQL_PARSE_FAILED', message: 'The document is nested too deeply', extensions: { reason: 'MAX_DEPTH_EXCEEDED' }, unexpected: false };
  }
  // graphql-js and Apollo reject the request itself (syntax, validation, limits, persisted queries).
  if (original instanceof GraphQLError) {
    const { code, http, ...rest } = original.extensions as { code?: unknown; http?: { status?: number } };
    const tokens = TOKEN_LIMIT.exec(original.message);
    if (tokens) return { code: 'GRAPHQL_PARSE_FAILED', message: original.message, extensions: { reason: 'MAX_TOKENS_EXCEEDED', limit: Number(tokens[1]) }, unexpected: false };
    if (typeof code === 'string' && code !== INTERNAL) return { code, message: original.message, extensions: rest, unexpected: false };
    // Apollo's request errors without a code (e.g. an APQ hash that does not match its query) carry a 400.
    if (code === undefined && http?.status === 400) return { code: 'BAD_USER_INPUT', message: original.message, extensions: rest, unexpected: false };
  }
  return { code: INTERNAL, message: MASKED_MESSAGE, extensions: {}, unexpected: true };
}
