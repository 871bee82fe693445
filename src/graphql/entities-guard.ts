import { isUnionType, type GraphQLSchema } from 'graphql';
import { BadInputError } from '../shared/errors.js';

/**
 * `_entities` takes `[_Any!]!`: any JSON object. @apollo/subgraph fails with an internal error
 * on a representation without a known `__typename`, and our reference resolvers expect a string
 * `id` (the only key of every entity here). Checking every representation first turns such input
 * into BAD_USER_INPUT, before anything is loaded.
 */
export function guardEntities(schema: GraphQLSchema): void {
  const field = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType('_Entity');
  const resolve = field?.resolve;
  if (!field || !resolve || !isUnionType(union)) return;
  const entityTypes = new Set(union.getTypes().map((t) => t.name));
  field.resolve = (source, args: { representations?: unknown }, context, info) => {
    const representations = Array.isArray(args.representations) ? args.representations : [];
    representations.forEach((representation: unknown, index) => {
      const problem = describeProblem(representation, entityTypes);
      if (problem) throw new BadInputError('representations', `representations[${index}] ${problem}`, 'INVALID_REPRESENTATION');
    });
    return resolve(source, args, context, info);
  };
}

function describeProblem(representation: unknown, entityTypes: ReadonlySet<string>): string | null {
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation)) return 'is not an object';
  const { __typename: typename, id } = representation as { __typename?: unknown; id?: unknown };
  if (typeof typename !== 'string') return 'has no __typename';
  if (!entityTypes.has(typename)) return 'names a type that is not an entity of this subgraph';
  if (typeof id !== 'string') return 'needs a string id';
  return null;
}
