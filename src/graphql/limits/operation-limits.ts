import { GraphQLError } from 'graphql';
import type { Config } from '../../config.js';

/** The limits every GraphQL request is held to; docs/security.md gives each default and why. */
export interface OperationLimits {
  /** Lexical tokens in a document; enforced by graphql-js's parser (`maxTokens`). */
  maxTokens: number;
  maxAliases: number;
  maxDepth: number;
  maxDirectives: number;
  /** Field selections written in a document, checked before validation. */
  maxFields: number;
  /** Upper bound of fields the operation may resolve, lists counted by their `first` (query-cost.ts). */
  maxCost: number;
}

export function operationLimits(config: Config): OperationLimits {
  return {
    maxTokens: config.GRAPHQL_MAX_TOKENS,
    maxAliases: config.GRAPHQL_MAX_ALIASES,
    maxDepth: config.GRAPHQL_MAX_DEPTH,
    maxDirectives: config.GRAPHQL_MAX_DIRECTIVES,
    maxFields: config.GRAPHQL_MAX_FIELDS,
    maxCost: config.GRAPHQL_MAX_COST,
  };
}

export type LimitReason =
  | 'MAX_TOKENS_EXCEEDED'
  | 'MAX_ALIASES_EXCEEDED'
  | 'MAX_DEPTH_EXCEEDED'
  | 'MAX_DIRECTIVES_EXCEEDED'
  | 'MAX_FIELDS_EXCEEDED'
  | 'MAX_COST_EXCEEDED';

/** Refused before execution: small, stable, and it names the limit so a client can adapt. */
export class LimitExceededError extends GraphQLError {
  constructor(reason: LimitReason, message: string, limit: number, found?: number) {
    super(message, {
      extensions: {
        code: 'GRAPHQL_VALIDATION_FAILED',
        reason,
        limit,
        ...(found === undefined ? {} : { found }),
        http: { status: 400 },
      },
    });
    this.name = 'LimitExceededError';
  }
}
