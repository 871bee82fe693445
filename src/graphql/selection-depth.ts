import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * How many times `field` nests inside itself below the current field, e.g. 2 for
 * `parent { parent { name } }` asked at the outer `parent`. Fragments are followed; validation has
 * already ruled out fragment cycles.
 */
export function nestedDepth(info: GraphQLResolveInfo, field: string): number {
  return 1 + Math.max(0, ...info.fieldNodes.map((node) => depthIn(node.selectionSet, field, info.fragments)));
}

function depthIn(set: SelectionSetNode | undefined, field: string, fragments: Record<string, FragmentDefinitionNode>): number {
  let deepest = 0;
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FIELD && selection.name.value === field) {
      deepest = Math.max(deepest, 1 + depthIn(selection.selectionSet, field, fragments));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthIn(selection.selectionSet, field, fragments));
    } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
      deepest = Math.max(deepest, depthIn(fragments[selection.name.value]?.selectionSet, field, fragments));
    }
  }
  return deepest;
}
