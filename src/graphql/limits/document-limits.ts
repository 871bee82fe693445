import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { TypeInfo, ValidationContext, visit, visitInParallel, type ASTVisitor, type DocumentNode, type GraphQLSchema } from 'graphql';
import { LimitExceededError, type LimitReason, type OperationLimits } from './operation-limits.js';

/**
 * The structural limits, checked after parsing and before graphql-js validates the document:
 * validation itself costs time per field (30,000 duplicated fields took 0.85 s), so a flood must be
 * refused before it. graphql-armor's rules count aliases, depth and directives (each memoises
 * fragments, so the walk is linear); they run here, in one pass of our own, rather than among the
 * validation rules, where fragments written before the operation would be validated first.
 * Returns the first limit exceeded, or null.
 */
export function checkDocumentLimits(schema: GraphQLSchema, document: DocumentNode, limits: OperationLimits): LimitExceededError | null {
  let violation: LimitExceededError | null = null;
  const reject =
    (reason: LimitReason, limit: number) =>
    (_context: unknown, error: { message: string }): void => {
      violation ??= new LimitExceededError(reason, error.message.replace(/^Syntax Error: /, ''), limit);
    };
  const context = new ValidationContext(schema, document, new TypeInfo(schema), () => undefined);
  let fields = 0;
  const countFields: ASTVisitor = {
    Field() {
      fields += 1;
    },
  };
  const armor = { exposeLimits: true, propagateOnRejection: false } as const;
  const visitors = [
    countFields,
    // __typename aliases count too: 50,000 of them cost 0.8 s each.
    maxAliasesRule({ ...armor, n: limits.maxAliases, allowList: [], onReject: [reject('MAX_ALIASES_EXCEEDED', limits.maxAliases)] })(context),
    // Fragments add no depth of their own; introspection counts (graphql-js also caps its list nesting).
    maxDepthRule({
      ...armor,
      n: limits.maxDepth,
      flattenFragments: true,
      ignoreIntrospection: false,
      onReject: [reject('MAX_DEPTH_EXCEEDED', limits.maxDepth)],
    })(context),
    maxDirectivesRule({ ...armor, n: limits.maxDirectives, onReject: [reject('MAX_DIRECTIVES_EXCEEDED', limits.maxDirectives)] })(context),
  ] as ASTVisitor[];
  visit(document, visitInParallel(visitors));
  if (violation) return violation;
  if (fields > limits.maxFields) {
    return new LimitExceededError('MAX_FIELDS_EXCEEDED', `Field limit of ${limits.maxFields} exceeded, found ${fields}.`, limits.maxFields, fields);
  }
  return null;
}
