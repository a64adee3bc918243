import fc from 'fast-check';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument, tickSeries } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { wsClient, wsRequest } from '../helpers/ws-request.js';
import { responseProblems } from './response-checks.js';

// Issue 13: every argument of every root field (and of Instrument's fields), sent as variables
// of arbitrary JSON, so that coercion, the edge's checks and the stores all see hostile values.
// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };
const RUNS = 60; // per field; about 40 s for the file on 2 busy cores

let gw: TestGateway;
let client: Client;
const cursors: string[] = [];
beforeAll(async () => {
  gw = await startGateway({ env: embedded });
  await gw.gql(UPSERT, { instruments: [instrument('EURUSD'), instrument('XAUUSD', { assetClass: 'METAL' })] });
  await gw.gql(INSERT, { ticks: tickSeries('EURUSD', Date.now() - 600_000, 300) });
  // Real cursors of each kind, to be mutated.
  const page = await gw.gql(`{ ticks(symbol: "EURUSD", first: 2) { edges { cursor } } instruments(first: 1) { edges { cursor } } }`);
  cursors.push(page.data.ticks.edges[0].cursor, page.data.instruments.edges[0].cursor, Buffer.from('live:0.5').toString('base64url'));
  client = wsClient(gw.wsUrl);
});
afterAll(async () => {
  await client?.dispose();
  await gw?.destroy();
});

const b64 = (text: string) => Buffer.from(text).toString('base64url');
// Any JSON a client can send in place of a value.
const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), 1e308, -0),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);
const huge = fc.integer({ min: 300, max: 200_000 }).chain((n) => fc.constantFrom('A', '\u0000', 'é', '\ud800').map((c) => c.repeat(n)));
const symbol = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('EURUSD', 'XAUUSD', 'NOPE', 'eurusd') },
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.stringMatching(/^[A-Za-z0-9._#-]{1,40}$/),
  huge,
  junk,
);
const now = Date.now();
const time = fc.oneof(
  fc.integer({ min: -8.64e15, max: 8.64e15 }),
  fc.integer({ min: now - 30 * 86_400_000, max: now + 2 * 86_400_000 }),
  fc.constantFrom(0, -9007199254740991, 9007199254740991, 946684799999, 946684800000, 1.5),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 })).map(
    ([y, mo, d, h, mi]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:00Z`,
  ),
  junk,
);
const count = fc.oneof(fc.integer({ min: -5, max: 20 }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(10_000, 10_001, 100_000), junk);
const cursor = fc.oneof(
  fc.constantFrom(0, 1, 2).map((i) => cursors[i]!),
  fc.nat(2).chain((i) => fc.string({ maxLength: 8 }).map((tail) => cursors[i]! + tail)),
  fc.constantFrom('tick:', 'instrument:', 'account:', 'live:').chain((tag) => fc.string({ maxLength: 60 }).map((key) => b64(tag + key))),
  fc.array(fc.tuple(fc.integer({ min: -2, max: 200_000 }), fc.integer()), { maxLength: 200 }).map((p) => b64(`live:${p.map(([a, b]) => `${a}.${b}`).join(',')}`)),
  huge,
  junk,
);
const interval = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('M1', 'M5', 'M15', 'M30', 'H1', 'H4', 'D1') }, junk);
const vector = fc.oneof(
  fc.array(fc.double({ noNaN: true }), { minLength: 32, maxLength: 32 }),
  fc.constant(Array.from({ length: 32 }, () => 0)),
  fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 40 }),
  fc.array(fc.constantFrom(1e308, -1e308, Number.MIN_VALUE), { minLength: 32, maxLength: 32 }),
  junk,
);
const text = fc.oneof(fc.constantFrom('FX', 'METAL', 'USD', 'XAU'), fc.string({ maxLength: 80, unit: 'binary' }), huge, junk);
const relationKinds = fc.oneof(fc.array(fc.constantFrom('SHARES_CURRENCY', 'SAME_SECTOR', 'CORRELATED'), { maxLength: 5 }), junk);
const representation = fc.oneof(
  fc.record({ __typename: fc.constantFrom('Instrument'), symbol }),
  fc.record({ __typename: fc.constantFrom('Account'), id: fc.oneof(fc.constantFrom('1', '0', '999999999999999999999'), junk) }),
  fc.dictionary(fc.constantFrom('__typename', 'symbol', 'id'), junk, { maxKeys: 3 }),
  junk,
);

/** Each root field (and Instrument's fields) with every argument as a variable, and what to vary. */
const FIELDS: Record<string, { query: string; variables: fc.Arbitrary<Record<string, unknown>> }> = {
  instrument: { query: `query($s: String!) { instrument(symbol: $s) { symbol latestTick { bid } } }`, variables: fc.record({ s: symbol }) },
  instruments: {
    query: `query($a: String, $f: Int, $c: String) { instruments(assetClass: $a, first: $f, after: $c) { edges { cursor node { symbol } } pageInfo { hasNextPage } } }`,
    variables: fc.record({ a: text, f: count, c: cursor }, { requiredKeys: [] }),
  },
  ticks: {
    query: `query($s: String!, $from: DateTime, $to: DateTime, $f: Int, $c: String) { ticks(symbol: $s, from: $from, to: $to, first: $f, after: $c) { edges { cursor node { time bid } } } }`,
    variables: fc.record({ s: symbol, from: time, to: time, f: count, c: cursor }, { requiredKeys: ['s'] }),
  },
  candles: {
    query: `query($s: String!, $i: CandleInterval!, $from: DateTime, $to: DateTime, $l: Int) { candles(symbol: $s, interval: $i, from: $from, to: $to, limit: $l) { time close ticks } }`,
    variables: fc.record({ s: symbol, i: interval, from: time, to: time, l: count }, { requiredKeys: ['s', 'i'] }),
  },
  'Instrument fields': {
    query: `query($i: CandleInterval!, $from: DateTime, $to: DateTime, $n: Int, $c: String, $d: Int, $k: [RelationKind!], $m: Int) { instrument(symbol: "EURUSD") {
      ticks(from: $from, to: $to, first: $n, after: $c) { edges { cursor } } candles(interval: $i, from: $from, to: $to, limit: $n) { time }
      related(depth: $d, kinds: $k) { distance } similar(interval: $i, k: $m) { distance } } }`,
    variables: fc.record({ i: interval, from: time, to: time, n: count, c: cursor, d: count, k: relationKinds, m: count }, { requiredKeys: ['i'] }),
  },
  account: { query: `query($id: ID!, $cur: String!) { account(id: $id) { login balanceIn(currency: $cur) } }`, variables: fc.record({ id: fc.oneof(fc.constantFrom('1', '-1', '1e3'), symbol), cur: text }) },
  accounts: { query: `query($f: Int, $c: String) { accounts(first: $f, after: $c) { edges { cursor } } }`, variables: fc.record({ f: count, c: cursor }, { requiredKeys: [] }) },
  conversionPath: {
    query: `query($a: String!, $b: String!, $h: Int) { conversionPath(from: $a, to: $b, maxHops: $h) { rate steps { from to } } }`,
    variables: fc.record({ a: text, b: text, h: count }, { requiredKeys: ['a', 'b'] }),
  },
  similarPatterns: {
    query: `query($v: [Float!]!, $i: CandleInterval!, $k: Int, $a: String) { similarPatterns(vector: $v, interval: $i, k: $k, assetClass: $a) { distance } }`,
    variables: fc.record({ v: vector, i: interval, k: count, a: text }, { requiredKeys: ['v', 'i'] }),
  },
  _entities: {
    query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instrument { symbol } ... on Account { login } } }`,
    variables: fc.record({ r: fc.oneof(fc.array(representation, { maxLength: 20 }), representation) }),
  },
  upsertInstruments: {
    query: UPSERT,
    variables: fc.record({
      instruments: fc.oneof(
        fc.array(fc.record({ symbol, description: text, assetClass: text, baseCurrency: text, quoteCurrency: text, digits: count, contractSize: fc.oneof(fc.double(), junk), sector: text }, { requiredKeys: [] }), { maxLength: 3 }),
        junk,
      ),
    }),
  },
  refreshCorrelations: {
    query: `mutation($i: CandleInterval!, $w: Int!, $t: Float!) { refreshCorrelations(interval: $i, window: $w, threshold: $t) }`,
    variables: fc.record({ i: interval, w: count, t: fc.oneof(fc.double(), junk) }),
  },
  refreshPatterns: { query: `mutation($i: CandleInterval!) { refreshPatterns(interval: $i) }`, variables: fc.record({ i: interval }) },
};

/** Problems beyond the general ones: a store's error is never the answer to a client's value. */
function argumentProblems(text: string): string[] {
  const body = JSON.parse(text) as { errors?: { extensions?: { code?: string }; message?: string }[] };
  return (body.errors ?? []).filter((e) => e.extensions?.code === 'STORE_UNAVAILABLE').map((e) => `STORE_UNAVAILABLE for a client's value: ${e.message}`);
}

async function overHttp(query: string, variables: Record<string, unknown>): Promise<string[]> {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  const text = await res.text();
  const problems = responseProblems(res.status, text);
  return problems.length > 0 ? problems : argumentProblems(text);
}

describe('every argument of every root field under arbitrary values', () => {
  for (const [field, { query, variables }] of Object.entries(FIELDS)) {
    it(`${field}: answers with data or coded client errors, never INTERNAL_SERVER_ERROR, a store's error, a 5xx or a crash`, async () => {
      await fc.assert(
        fc.asyncProperty(variables, async (values) => {
          expect(await overHttp(query, values), JSON.stringify(values).slice(0, 300)).toEqual([]);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('the ticks subscription (symbols, after): refused with a code, or running, over graphql-ws; the socket stays open', async () => {
    // Messages over WS_MAX_PAYLOAD_BYTES (1 MiB) close their socket with 1009 by design
    // (test/hostile/websocket.test.ts): the values fuzzed here are the ones a socket carries.
    const fits = (values: unknown) => Buffer.byteLength(JSON.stringify(values)) < 1_000_000;
    const args = fc.record({ s: fc.oneof(fc.array(symbol, { maxLength: 4 }), symbol), c: cursor }, { requiredKeys: ['s'] }).filter(fits);
    await fc.assert(
      fc.asyncProperty(args, async (values) => {
        const result = await wsRequest(client, { query: `subscription($s: [String!]!, $c: String) { ticks(symbols: $s, after: $c) { bid cursor } }`, variables: values }, 300);
        const problems = result.closed ? [`the socket closed: ${result.closed.code}`] : result.pending ? [] : responseProblems(undefined, JSON.stringify(result));
        expect(problems, JSON.stringify(values).slice(0, 300)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('leaves the gateway answering, with every circuit closed', async () => {
    expect((await gw.gql(`{ instrument(symbol: "EURUSD") { symbol } }`)).data.instrument.symbol).toBe('EURUSD');
    const readyz = (await (await fetch(new URL('/readyz', gw.url))).json()) as { stores: { breaker: string }[] };
    expect(readyz.stores.every((s) => s.breaker === 'closed')).toBe(true);
  });
});
