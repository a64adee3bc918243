import fc from 'fast-check';
import { buildASTSchema, coerceInputValue, parse, type GraphQLInputType } from 'graphql';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DateTime } from '../../src/graphql/datetime.js';
import { planCacheSize, prepareInsertTicks } from '../../src/graphql/insert-ticks-fast-path.js';

/**
 * The fast path must accept exactly what graphql-js accepts for `[TickInput!]!`, with the same
 * values, and leave everything else to graphql-js (which then reports the error in its words).
 */
const MUTATION = `mutation Insert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }`;

const sdl = readFileSync(new URL('../../schema/marketgraph.graphql', import.meta.url), 'utf8');
const schema = buildASTSchema(parse(`directive @key(fields: String!) repeatable on OBJECT\ndirective @shareable on OBJECT | FIELD_DEFINITION\ndirective @link(url: String!, import: [String]) repeatable on SCHEMA\n${sdl}`), { assumeValid: true });
Object.assign(schema.getType('DateTime')!, { parseValue: DateTime.parseValue, parseLiteral: DateTime.parseLiteral });
const listType = parse('query($t: [TickInput!]!) { __typename }').definitions[0] as any;
const tickListType = ((): GraphQLInputType => {
  const input = schema.getType('TickInput') as GraphQLInputType;
  const { GraphQLList, GraphQLNonNull } = require('graphql');
  return new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(input)));
})();
void listType;

/** What graphql-js makes of the value, as the resolver maps it; undefined when it refuses it. */
function graphqlJs(value: unknown) {
  let failed = false;
  const coerced = coerceInputValue(value, tickListType, () => (failed = true)) as any[];
  if (failed) return undefined;
  return coerced.map((t) => ({ symbol: t.symbol, time: t.time, bid: t.bid, ask: t.ask, last: t.last ?? null, volume: t.volume ?? null, flags: t.flags ?? null }));
}

const anyValue = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, false, 0, -1, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, 1.5, '2026-11-27T10:00:00Z', '2026-11-27T10:00:00', '1', 'EURUSD'),
  fc.constant(undefined),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1, maxKeys: 2 }),
);
const tickLike = fc.record(
  {
    symbol: fc.oneof(fc.constantFrom('EURUSD', 'XAUUSD'), anyValue),
    time: fc.oneof(fc.integer({ min: 946684800000, max: 1900000000000 }), fc.constantFrom('2026-11-27T10:00:00.123Z', '2026-11-27T10:00:00+02:00', '2026-11-27 10:00'), anyValue),
    bid: fc.oneof(fc.double({ min: 0.5, max: 2, noNaN: true }), anyValue),
    ask: fc.oneof(fc.double({ min: 0.5, max: 2, noNaN: true }), anyValue),
    last: fc.oneof(fc.constant(null), fc.double({ noNaN: true }), anyValue),
    volume: anyValue,
    flags: fc.oneof(fc.integer({ min: 0, max: 255 }), anyValue),
    extra: anyValue,
  },
  { requiredKeys: [] },
);

describe('insertTicks fast path', () => {
  it('accepts exactly what graphql-js accepts, with the same values', () => {
    // JSON round trip: what arrives over HTTP has no undefined, NaN or Infinity.
    fc.assert(
      fc.property(fc.oneof(fc.array(tickLike, { maxLength: 4 }), anyValue), (raw) => {
        const ticks = JSON.parse(JSON.stringify(raw ?? null));
        const expected = graphqlJs(ticks);
        const prepared = prepareInsertTicks({ query: MUTATION, variables: { ticks } });
        if (prepared) expect(prepared.preparedTicks.ticks).toEqual(expected); // never accepts what graphql-js refuses
        else if (Array.isArray(ticks)) expect(expected).toBeUndefined(); // a list graphql-js accepts takes the fast path
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path for a bridge batch and hands Apollo the same operation with an empty list', () => {
    const ticks = [{ symbol: 'EURUSD', time: '2026-11-27T10:00:00.123Z', bid: 1.1, ask: 1.2, last: null, volume: 2, flags: 6 }];
    const prepared = prepareInsertTicks({ query: MUTATION, variables: { ticks }, operationName: 'Insert' })!;
    expect(prepared.preparedTicks.ticks).toEqual([{ symbol: 'EURUSD', time: Date.parse('2026-11-27T10:00:00.123Z'), bid: 1.1, ask: 1.2, last: null, volume: 2, flags: 6 }]);
    expect(prepared.body).toEqual({
      query: 'mutation Insert {\n  insertTicks(ticks: []) {\n    accepted\n    duplicates\n    rejected {\n      index\n      reason\n    }\n  }\n}',
      variables: {},
      operationName: 'Insert',
    });
  });

  it('leaves other shapes to graphql-js', () => {
    const ticks = [{ symbol: 'EURUSD', time: 1, bid: 1, ask: 1 }];
    for (const query of [
      `mutation($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } other: insertTicks(ticks: $t) { accepted } }`,
      `mutation($t: [TickInput!]!) { insertTicks(ticks: $t) @include(if: true) { accepted } }`,
      `mutation($t: [TickInput!]) { insertTicks(ticks: $t) { accepted } }`,
      `query($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } }`,
      `mutation A($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } } mutation B { __typename }`,
      `mutation($t: [TickInput!]! { broken`,
    ]) {
      expect(prepareInsertTicks({ query, variables: { t: ticks } })).toBeUndefined();
    }
    expect(prepareInsertTicks({ query: MUTATION, variables: { ticks, extra: 1 } })).toBeUndefined();
  });

  it('keeps at most 64 plans and no text over 4 KiB, whatever texts arrive (issue 13)', () => {
    const ticks = [{ symbol: 'EURUSD', time: Date.UTC(2026, 0, 5), bid: 1.1, ask: 1.1002 }];
    for (let i = 0; i < 200; i++) {
      // Each a valid insertTicks document, different from every other, 10 KB long (a comment pads it).
      const query = `${MUTATION} # ${i} ${'x'.repeat(10_000)}`;
      expect(prepareInsertTicks({ query, variables: { ticks } })?.preparedTicks.ticks).toHaveLength(1);
      expect(prepareInsertTicks({ query: `${MUTATION} # ${i}`, variables: { ticks } })?.preparedTicks.ticks).toHaveLength(1);
    }
    const { entries, chars } = planCacheSize();
    expect(entries).toBeLessThanOrEqual(64);
    expect(chars).toBeLessThanOrEqual(64 * 4096);
  });

  it('does not parse past the token limit it is given', () => {
    const ticks = [{ symbol: 'EURUSD', time: Date.UTC(2026, 0, 5), bid: 1.1, ask: 1.1002 }];
    expect(prepareInsertTicks({ query: MUTATION, variables: { ticks } }, 5)).toBeUndefined();
    expect(prepareInsertTicks({ query: `${MUTATION} `, variables: { ticks } }, 1000)?.preparedTicks.ticks).toHaveLength(1);
  });
});
