import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareInsertTicks } from '../../src/graphql/insert-ticks-fast-path.js';
import { scanInsertTicksBody } from '../../src/http/insert-ticks-body.js';
import type { StoredTick } from '../../src/stores/ticks/tick-store.js';

/**
 * Reading insertTicks's tick list from the body's bytes must give exactly what JSON.parse and
 * the fast path's coercion give, or nothing (the body is then parsed whole): never another value.
 */
const MUTATION = `mutation Insert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }`;

/** The ticks the gateway would take from this text before this change: JSON.parse, then the fast path. */
const parsedWhole = (text: string) => prepareInsertTicks(JSON.parse(text))?.preparedTicks.ticks;

/** The ticks taken from the bytes, and the body that goes on to Apollo. */
function scannedFrom(text: string) {
  const scan = scanInsertTicksBody(Buffer.from(text));
  if (!scan) return undefined;
  const prepared = prepareInsertTicks(scan.body, undefined, scan.scanned);
  // Each tick carries its seq's slot, 0 until the write path numbers it (readTick): the rest is compared.
  const ticks = (prepared?.preparedTicks.ticks as StoredTick[] | undefined)?.map(({ seq, ...tick }) => (expect(seq).toBe(0), tick));
  return prepared && { ticks, body: prepared.body };
}

const plainAscii = (text: string) => !/[\\\u0080-\uffff]/.test(text);

const anyValue = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(null, true, false, 0, -0, 1.5, 2 ** 31, -(2 ** 31) - 1, 1e21, 1e-7, '2026-11-27T10:00:00Z', '2026-02-30T10:00:00Z', 'EUR"USD', 'EUR\\USD', 'ÉURUSD'),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.object({ maxDepth: 1, maxKeys: 2 }),
);
const price = fc.oneof(fc.double({ min: 0.5, max: 2, noNaN: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer());
const tickLike = fc.record(
  {
    symbol: fc.oneof(fc.constantFrom('EURUSD', 'XAUUSD', 'S01'), anyValue),
    time: fc.oneof(
      fc.integer({ min: 946684800000, max: 1900000000000 }),
      fc.constantFrom('2026-11-27T10:00:00.123Z', '2026-11-27T10:00:00+02:00', '2026-11-27 10:00', 2 ** 53, 9e15),
      anyValue,
    ),
    bid: fc.oneof(price, anyValue),
    ask: fc.oneof(price, anyValue),
    last: fc.oneof(fc.constant(null), price, anyValue),
    volume: fc.oneof(fc.constant(null), price, anyValue),
    flags: fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), anyValue),
    extra: anyValue,
  },
  { requiredKeys: [] },
);
// Well-formed ticks mostly, so that most batches are accepted and their values compared.
const goodTick = fc.record({
  symbol: fc.constantFrom('EURUSD', 'XAUUSD', 'S01', 'BTC.USD', 'A'),
  time: fc.oneof(fc.integer({ min: 946684800000, max: 1900000000000 }), fc.integer({ min: 946684800000, max: 1900000000000 }).map((t) => new Date(t).toISOString())),
  bid: price,
  ask: price,
  last: fc.oneof(fc.constant(null), price),
  volume: fc.oneof(fc.constant(null), price),
  flags: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
});
// A good tick with one field of any value, or one missing, or one more.
const nearlyGood = fc
  .tuple(goodTick, fc.constantFrom('symbol', 'time', 'bid', 'ask', 'last', 'volume', 'flags', 'extra'), fc.option(anyValue))
  .map(([t, key, value]) => {
    const copy: Record<string, unknown> = { ...t };
    if (value === null) delete copy[key];
    else copy[key] = value;
    return copy;
  });
const tickList = fc.oneof(
  fc.array(goodTick, { maxLength: 6 }),
  fc.array(fc.oneof(goodTick, tickLike), { maxLength: 6 }),
  fc.tuple(fc.array(goodTick, { maxLength: 3 }), nearlyGood).map(([good, odd]) => [...good, odd]),
);
// The same body as bridges write it, and pretty-printed, and with its keys in another order.
const layout = fc.constantFrom(
  (ticks: unknown) => JSON.stringify({ query: MUTATION, variables: { ticks } }),
  (ticks: unknown) => JSON.stringify({ query: MUTATION, variables: { ticks } }, null, 2),
  (ticks: unknown) => JSON.stringify({ variables: { ticks }, operationName: 'Insert', extensions: { a: [1, '}]'] }, query: MUTATION }),
  (ticks: unknown) => `\r\n\t{ "query" : ${JSON.stringify(MUTATION)} , "variables" : { "ticks" : ${JSON.stringify(ticks, null, '\t')} } }\n`,
);

describe('insertTicks body read from its bytes', () => {
  it('takes from a body exactly the ticks that JSON.parse and the fast path take, or leaves the body to them', () => {
    fc.assert(
      fc.property(tickList, layout, (ticks, write) => {
        const text = write(ticks);
        const expected = parsedWhole(text);
        const scanned = scannedFrom(text);
        if (scanned) expect(scanned.ticks).toEqual(expected);
        // A body in plain ASCII that the fast path takes is always read from its bytes.
        if (expected && plainAscii(text)) expect(scanned?.ticks).toEqual(expected);
        if (scanned) expect(scanned.body).toEqual(prepareInsertTicks(JSON.parse(text))!.body);
      }),
      { numRuns: 3_000 },
    );
  });

  it('reads every way of writing a number as JSON.parse does', () => {
    const written = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => JSON.stringify(x)),
      fc.tuple(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 20 })).map(([x, d]) => x.toFixed(d)),
      fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 20 })).map(([x, d]) => x.toExponential(d)),
      fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 1, max: 21 })).map(([x, d]) => x.toPrecision(d)),
      fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 25n }), fc.integer({ min: -30, max: 30 })).map(([m, e]) => `${m}e${e}`),
      fc.tuple(fc.nat(), fc.nat({ max: 30 }), fc.nat()).map(([a, zeros, b]) => `${a}.${'0'.repeat(zeros)}${b}`),
    );
    fc.assert(
      fc.property(written, (number) => {
        const text = `{"query":${JSON.stringify(MUTATION)},"variables":{"ticks":[{"symbol":"EURUSD","time":1764237600000,"bid":${number},"ask":${number}}]}}`;
        const expected = parsedWhole(text);
        const scanned = scannedFrom(text);
        expect(scanned?.ticks).toEqual(expected);
        if (expected) expect(Object.is(scanned!.ticks![0]!.bid, JSON.parse(number))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('leaves malformed JSON to the whole-body parse, which refuses it', () => {
    const good = `{"query":${JSON.stringify(MUTATION)},"variables":{"ticks":[{"symbol":"EURUSD","time":1764237600000,"bid":1.1,"ask":1.2}]}}`;
    expect(scannedFrom(good)?.ticks).toHaveLength(1);
    for (const bad of [
      good.replace('1.1', '01.1'),
      good.replace('1.1', '1.'),
      good.replace('1.1', '-'),
      good.replace('1.1', '1e'),
      good.replace('1.1', '.5'),
      good.replace('1.1', '+1'),
      good.replace('1.1', 'NaN'),
      good.replace(']}}', ']}'),
      good.replace(']}}', ']}}}'),
      good.replace(']}}', ',]}}'),
      good.replace('"ask":1.2', '"ask":1.2,'),
      good.replace('"ask":1.2', '"ask":1.2 "last":null'),
      good.replace('"ask":1.2', '"ask":1.2,"last":nul'),
      good.replace('"EURUSD"', '"EUR\u0001USD"'),
      good.slice(0, -5),
      `${good} x`,
      `[${good}]`,
    ]) {
      expect(scanInsertTicksBody(Buffer.from(bad)), bad).toBeUndefined();
    }
  });

  it('leaves a body it does not read (escapes, a key twice, other variables) to the whole-body parse', () => {
    const tick = `{"symbol":"EURUSD","time":1764237600000,"bid":1.1,"ask":1.2}`;
    const body = (variables: string) => `{"query":${JSON.stringify(MUTATION)},"variables":${variables}}`;
    for (const text of [
      body(`{"ticks":[${tick.replace('EURUSD', 'EUR\\u0055SD')}]}`),
      body(`{"ticks":[${tick.replace('"bid":1.1', '"bid":1.1,"bid":1.0')}]}`),
      body(`{"ticks":[${tick}],"other":1}`),
      body(`{"ticks":[${tick.replace('"bid":1.1', '"bid":"1.1"')}]}`),
      body(`{"ticks":[${tick.replace('"bid":1.1', '"Bid":1.1')}]}`),
      body(`{"ticks":[${tick.replace('"bid":1.1', '"bid":1e400')}]}`),
      body(`{"ticks":${tick}}`),
      body(`null`),
      `${body(`{"ticks":[${tick}]}`).slice(0, -1)},"variables":{"ticks":[]}}`,
    ]) {
      expect(scanInsertTicksBody(Buffer.from(text)), text).toBeUndefined();
    }
  });
});
