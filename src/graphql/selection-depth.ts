import { Kind, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

/**
 * How many times `field` nests inside itself below the current field, e.g. 2 for
 * `parent { parent { name } }` asked at the outer `parent`. Fragments are followed.
 *
 * Linear in the document: each fragment's depth is computed once and remembered, and a fragment
 * spread twice in one selection set counts once (as graphql-js executes it once). Without that, a
 * chain of fragments that each spread the next one twice doubles the work at every level.
 * Validation has ruled out fragment cycles; a cycle would still end here, counting as depth 0.
 */
export function nestedDepth(info: GraphQLResolveInfo, field: string): number {
  const walk = new DepthWalk(field, info.fragments);
  return 1 + Math.max(0, ...info.fieldNodes.map((node) => walk.depthIn(node.selectionSet)));
}

class DepthWalk {
  private readonly memo = new Map<string, number>();

  constructor(
    private readonly field: string,
    private readonly fragments: Record<string, FragmentDefinitionNode>,
  ) {}

  depthIn(set: SelectionSetNode | undefined): number {
    let deepest = 0;
    const spread = new Set<string>();
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD && selection.name.value === this.field) {
        deepest = Math.max(deepest, 1 + this.depthIn(selection.selectionSet));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, this.depthIn(selection.selectionSet));
      } else if (selection.kind === Kind.FRAGMENT_SPREAD && !spread.has(selection.name.value)) {
        spread.add(selection.name.value);
        deepest = Math.max(deepest, this.fragmentDepth(selection.name.value));
      }
    }
    return deepest;
  }

  private fragmentDepth(name: string): number {
    const known = this.memo.get(name);
    if (known !== undefined) return known;
    this.memo.set(name, 0); // a cycle (impossible after validation) ends here
    const depth = this.depthIn(this.fragments[name]?.selectionSet);
    this.memo.set(name, depth);
    return depth;
  }
}
