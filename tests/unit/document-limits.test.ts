import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { checkDocumentLimits } from '../../src/graphql/limits/document-limits.js';
import type { OperationLimits } from '../../src/graphql/limits/operation-limits.js';
import { buildSchema } from '../../src/graphql/schema.js';

const schema = buildSchema();
const limits: OperationLimits = { maxTokens: 5000, maxAliases: 3, maxDepth: 4, maxDirectives: 2, maxFields: 10, maxCost: 1000 };
const reasonFor = (query: string): string | null => {
  const violation = checkDocumentLimits(schema, parse(query), limits);
  return violation ? String(violation.extensions.reason) : null;
};

describe('checkDocumentLimits', () => {
  it('accepts what stays within every limit', () => {
    expect(reasonFor('{ a: __typename b: __typename viewer { user { id } } }')).toBeNull();
  });

  it('counts aliases, __typename ones included, across fragments', () => {
    expect(reasonFor('{ a: __typename b: __typename c: __typename d: __typename }')).toBe('MAX_ALIASES_EXCEEDED');
    expect(reasonFor('{ ...F } fragment F on Query { a: __typename b: __typename c: __typename d: __typename }')).toBe('MAX_ALIASES_EXCEEDED');
  });

  it('measures depth through fragments, which add no depth of their own', () => {
    expect(reasonFor('{ viewer { user { id } } }')).toBeNull();
    expect(reasonFor('{ workspace(id: "w") { parent { parent { parent { id } } } } }')).toBe('MAX_DEPTH_EXCEEDED');
    expect(reasonFor('{ workspace(id: "w") { ...P } } fragment P on Workspace { parent { parent { parent { id } } } }')).toBe('MAX_DEPTH_EXCEEDED');
  });

  it('counts directives and written fields', () => {
    expect(reasonFor('{ __typename @skip(if: false) @include(if: true) viewer @skip(if: false) { user { id } } }')).toBe('MAX_DIRECTIVES_EXCEEDED');
    expect(reasonFor(`{ ${'__typename '.repeat(11)}}`)).toBe('MAX_FIELDS_EXCEEDED');
  });

  it('reports the limit, and what it found, to the client', () => {
    const violation = checkDocumentLimits(schema, parse(`{ ${'__typename '.repeat(11)}}`), limits);
    expect(violation?.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', limit: 10, found: 11, http: { status: 400 } });
  });
});
