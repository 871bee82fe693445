import {
  Kind,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../shared/pagination.js';

/**
 * An upper bound of the objects an operation may resolve, as GitHub's node limit counts them: every
 * object (or interface or union) value counts 1, and a list multiplies what is selected inside it by
 * its size. Leaf fields cost nothing of their own: they are read from objects already loaded, and
 * their number is bounded by the field limit. List sizes:
 * - connections: `nodes` and `edges` by the connection's `first` (the default page size if absent);
 * - lists fetched by a list argument (`_entities(representations)`, `ids`): by that list's length;
 * - any other list: by the default page size.
 * Variables (and their defaults) are resolved, so `first: $n` counts as what `$n` is.
 * Introspection (`__schema`, `__type`) counts its fields once each: graphql-js already refuses
 * nested introspection lists (MaxIntrospectionDepthRule).
 *
 * Linear in the document: a fragment's cost is computed once per page size and remembered, and a
 * fragment spread twice in one selection set counts once, as graphql-js executes it.
 */
export function estimateCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): number {
  return new CostWalk(schema, document, effectiveVariables(operation, variables)).operation(operation);
}

function effectiveVariables(operation: OperationDefinitionNode, given: Record<string, unknown> | undefined): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) values[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
  }
  return { ...values, ...given };
}

/** What a list inside the current selection set counts as; `flat` inside introspection. */
type Scope = { kind: 'flat' } | { kind: 'page'; size: number } | { kind: 'plain' };

class CostWalk {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly memo = new Map<string, number>();

  constructor(
    private readonly schema: GraphQLSchema,
    document: DocumentNode,
    private readonly variables: Record<string, unknown>,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) this.fragments.set(definition.name.value, definition);
    }
  }

  operation(operation: OperationDefinitionNode): number {
    const root =
      operation.operation === 'query'
        ? this.schema.getQueryType()
        : operation.operation === 'mutation'
          ? this.schema.getMutationType()
          : this.schema.getSubscriptionType();
    return this.selectionSet(operation.selectionSet, root ?? undefined, { kind: 'plain' });
  }

  private selectionSet(set: SelectionSetNode, type: GraphQLNamedType | undefined, scope: Scope): number {
    let total = 0;
    const spread = new Set<string>();
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) total += this.field(selection, type, scope);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const narrowed = selection.typeCondition ? this.schema.getType(selection.typeCondition.name.value) : type;
        total += this.selectionSet(selection.selectionSet, narrowed ?? undefined, scope);
      } else if (!spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        total += this.fragment(selection.name.value, scope);
      }
    }
    return total;
  }

  private fragment(name: string, scope: Scope): number {
    const key = `${name}\u0000${scope.kind === 'page' ? scope.size : scope.kind}`;
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    this.memo.set(key, 0); // a cycle is refused by validation; here it just ends
    const definition = this.fragments.get(name);
    const type = definition ? this.schema.getType(definition.typeCondition.name.value) : undefined;
    const cost = definition ? this.selectionSet(definition.selectionSet, type ?? undefined, scope) : 0;
    this.memo.set(key, cost);
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLNamedType | undefined, scope: Scope): number {
    if (!node.selectionSet) return 0;
    const name = node.name.value;
    const definition = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
    const introspection = scope.kind === 'flat' || name === '__schema' || name === '__type';
    if (introspection || !definition) {
      // Unknown fields fail validation before execution; count them flat like introspection.
      return 1 + this.selectionSet(node.selectionSet, definition ? getNamedType(definition.type) : undefined, { kind: 'flat' });
    }
    const inner = getNamedType(definition.type);
    const childScope: Scope = definition.args.some((a) => a.name === 'first') ? { kind: 'page', size: this.pageSize(node) } : { kind: 'plain' };
    const children = isCompositeType(inner) ? this.selectionSet(node.selectionSet, inner, childScope) : 0;
    return this.listSize(node, definition, scope) * (1 + children);
  }

  /** 1 for a single object; for a list, how many items it can hold. */
  private listSize(node: FieldNode, definition: GraphQLField<unknown, unknown>, scope: Scope): number {
    if (!isListType(getNullableType(definition.type))) return 1;
    for (const argument of node.arguments ?? []) {
      const value = valueFromASTUntyped(argument.value, this.variables);
      if (Array.isArray(value)) return value.length;
    }
    return scope.kind === 'page' ? scope.size : DEFAULT_PAGE_SIZE;
  }

  /** The `first` asked for; values the resolver would refuse count as the largest page it allows. */
  private pageSize(node: FieldNode): number {
    const argument = node.arguments?.find((a) => a.name.value === 'first');
    if (!argument) return DEFAULT_PAGE_SIZE;
    const value = valueFromASTUntyped(argument.value, this.variables);
    if (value === null || value === undefined) return DEFAULT_PAGE_SIZE;
    return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_PAGE_SIZE ? value : MAX_PAGE_SIZE;
  }
}
