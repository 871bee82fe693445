import {
  getArgumentValues,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import type { PageArgs } from '../shared/pagination.js';

/** The fields of a connection under which its items' own fields are selected. */
const ITEM_PATHS: readonly (readonly string[])[] = [['nodes'], ['edges', 'node']];

/**
 * The page arguments of `field` (a connection of the current type, e.g. `children`) at each level
 * the query nests it below the current field, e.g. `[{ first: 5 }, {}]` for
 * `children { nodes { children(first: 5) { nodes { children { … } } } } }` asked at the outer
 * `children`. The loader can then fetch those levels with the current one, in one statement.
 *
 * Only what will certainly run with one page shape is reported: the look-ahead stops at a level
 * where the field is missing, appears with different arguments (aliases), sits under `@skip` or
 * `@include`, or after `maxLevels`. Anything beyond is loaded as before, when its resolver runs.
 * Fragments are expanded once per selection set; validation has ruled out cycles.
 */
export function nestedPageArgs(info: GraphQLResolveInfo, field: string, maxLevels: number): PageArgs[] {
  // Every sibling object of a level shares one fieldNodes array (graphql-js memoizes it): answer
  // each array once per request, whose variables object is its own. The nodes are `field`'s own
  // (a connection nesting itself), so the array also stands for `field`.
  let known = memo.get(info.variableValues);
  if (!known) memo.set(info.variableValues, (known = new Map()));
  let levels = known.get(info.fieldNodes);
  if (!levels) known.set(info.fieldNodes, (levels = lookAhead(info, field, maxLevels)));
  return levels;
}

const memo = new WeakMap<object, Map<readonly FieldNode[], PageArgs[]>>();

function lookAhead(info: GraphQLResolveInfo, field: string, maxLevels: number): PageArgs[] {
  const definition = isObjectType(info.parentType) ? info.parentType.getFields()[field] : undefined;
  if (!definition) return [];
  const levels: PageArgs[] = [];
  let current: readonly FieldNode[] = info.fieldNodes;
  while (levels.length < maxLevels) {
    const next = fieldsBelow(current, field, info.fragments);
    if (!next || next.length === 0) break;
    const args = sameArguments(next, definition, info.variableValues);
    if (!args) break;
    levels.push(args);
    current = next;
  }
  return levels;
}

/**
 * The `field` nodes in the items of the given connection fields, each once (two fragments may
 * reach the same node); undefined when one of them is conditional.
 */
function fieldsBelow(connections: readonly FieldNode[], field: string, fragments: Record<string, FragmentDefinitionNode>): FieldNode[] | undefined {
  const found = new Set<FieldNode>();
  for (const connection of connections) {
    for (const path of ITEM_PATHS) {
      let sets: SelectionSetNode[] = connection.selectionSet ? [connection.selectionSet] : [];
      for (const name of [...path, field]) {
        const fields = definite(sets.flatMap((set) => collect(set, name, fragments)));
        if (!fields) return undefined;
        if (name === field) fields.forEach((f) => found.add(f));
        else sets = fields.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
      }
    }
  }
  return [...found];
}

function definite(fields: (FieldNode | undefined)[]): FieldNode[] | undefined {
  return fields.every((f): f is FieldNode => f !== undefined) ? fields : undefined;
}

/**
 * Every field named `name` directly in `set`, fragments expanded (each once). An entry is undefined
 * where a directive makes its presence conditional: the caller then stops looking ahead.
 */
function collect(set: SelectionSetNode, name: string, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): (FieldNode | undefined)[] {
  const found: (FieldNode | undefined)[] = [];
  for (const selection of set.selections) {
    const conditional = (selection.directives?.length ?? 0) > 0;
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value === name) found.push(conditional ? undefined : selection);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const inner = collect(selection.selectionSet, name, fragments, seen);
      found.push(...(conditional && inner.length > 0 ? [undefined] : inner));
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      const inner = fragment ? collect(fragment.selectionSet, name, fragments, seen) : [];
      found.push(...(conditional && inner.length > 0 ? [undefined] : inner));
    }
  }
  return found;
}

/** The arguments all `nodes` share, coerced as graphql-js will; undefined when they differ or do not coerce. */
function sameArguments(nodes: readonly FieldNode[], definition: GraphQLField<unknown, unknown>, variables: Record<string, unknown>): PageArgs | undefined {
  let shared: PageArgs | undefined;
  let sharedKey: string | undefined;
  for (const node of nodes) {
    let args: PageArgs;
    try {
      args = getArgumentValues(definition, node, variables) as PageArgs;
    } catch {
      return undefined;
    }
    const key = JSON.stringify([args.first ?? null, args.after ?? null]);
    if (sharedKey !== undefined && key !== sharedKey) return undefined;
    shared = { first: args.first ?? null, after: args.after ?? null };
    sharedKey = key;
  }
  return shared;
}
