import { isUnionType, type GraphQLSchema } from 'graphql';
import { badInput } from '../errors.js';

/**
 * `_entities` takes any JSON as a representation (`_Any`). @apollo/subgraph's resolver looks up
 * the `__typename` it finds and throws a plain Error when there is none (the client then saw
 * INTERNAL_SERVER_ERROR), and passes a non-entity type's name on as if it were one. Here every
 * representation must be an object naming an entity type (a member of `_Entity`: Instrument,
 * Account), else the field is refused with BAD_USER_INPUT, before any reference is resolved.
 * The keys inside are checked by each type's __resolveReference.
 */
export function checkEntityRepresentations(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const union = schema.getType('_Entity');
  if (!field?.resolve || !isUnionType(union)) return schema;
  const entityTypes = new Set(union.getTypes().map((t) => t.name));
  const resolve = field.resolve;
  field.resolve = (source, args: { representations: unknown[] }, context, info) => {
    args.representations.forEach((r, i) => {
      const typename = typeof r === 'object' && r !== null && !Array.isArray(r) ? (r as { __typename?: unknown }).__typename : undefined;
      if (typeof typename !== 'string' || !entityTypes.has(typename))
        throw badInput(`representations[${i}] must be an object whose __typename is one of ${[...entityTypes].join(', ')}`, 'representations');
    });
    return resolve(source, args, context, info);
  };
  return schema;
}
