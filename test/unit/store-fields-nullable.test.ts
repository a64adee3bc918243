import { isNonNullType, isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { resolvers } from '../../src/graphql/resolvers/index.js';
import { createSchema } from '../../src/graphql/schema.js';

/**
 * STYLE.md rule 5 as the schema states it (issue 14): a field whose resolver calls a store is
 * nullable, so that store's outage nulls that field alone. A new resolver that calls a store on a
 * non-null field fails here; one that does not call a store goes in this list, with the reason.
 */
const NO_STORE_CALL: Record<string, string> = {
  'Tick.cursor': 'encodes the tick it is on',
  'ConversionPath.steps': "the parent's hops",
  'Subscription.ticks': 'an event stream: refused whole at subscribe time, each event is a tick in hand',
};
// Mutations stay non-null: each is one write, done or refused (schema/marketgraph.graphql).
const EXEMPT_TYPES = new Set(['Mutation', 'DateTime']);

describe('the schema', () => {
  it('makes every field whose resolver calls a store nullable', () => {
    const schema = createSchema();
    const nonNull: string[] = [];
    let checked = 0;
    for (const [typeName, fields] of Object.entries(resolvers)) {
      if (EXEMPT_TYPES.has(typeName)) continue;
      const type = schema.getType(typeName);
      expect(isObjectType(type), typeName).toBe(true);
      if (!isObjectType(type)) continue;
      for (const fieldName of Object.keys(fields as object)) {
        if (fieldName.startsWith('__') || `${typeName}.${fieldName}` in NO_STORE_CALL) continue;
        checked++;
        if (isNonNullType(type.getFields()[fieldName]!.type)) nonNull.push(`${typeName}.${fieldName}`);
      }
    }
    expect(nonNull).toEqual([]);
    expect(checked).toBeGreaterThanOrEqual(20); // the resolvers were found at all
  });
});
