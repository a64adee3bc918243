import { INSERT, UPSERT, instrument, tickSeries } from '../helpers/fixtures.js';
import type { GatewayProcess } from '../helpers/process-gateway.js';

/**
 * The client-controlled arguments of issue 13, each as a hostile request: the proof suite
 * (inputs.test.ts) sends them to a gateway and checks it refuses each in time, staying up; the
 * bench (bench/hostile-inputs.ts) measures each on the code of the day, for the before/after
 * figures.
 */

export interface HostileInput {
  name: string;
  /** HTTP POST of a GraphQL request, or a graphql-ws subscribe. */
  transport: 'http' | 'ws';
  query: string;
  variables?: Record<string, unknown>;
  /** `extensions.code`s that refuse it: BAD_USER_INPUT, or Apollo's code for an invalid literal. */
  codes: readonly string[];
}

const REFUSED = ['BAD_USER_INPUT'] as const;
const INVALID_LITERAL = ['GRAPHQL_VALIDATION_FAILED'] as const; // a literal argument that fails its type
const TOO_COSTLY = ['GRAPHQL_VALIDATION_FAILED'] as const; // the query cost limit

const NUL = 'EUR\u0000USD';
const MB = 1_000_000;
const base64url = (text: string) => Buffer.from(text).toString('base64url');
// Seq 0 of partition 0, then 50,000 partitions the stream does not have: each replayed tick
// rebuilt a cursor of all of them (~0.5 MB) at c7dd339.
const manyPartitions = base64url(`live:${Array.from({ length: 50_000 }, (_, p) => `${p}.0`).join(',')}`);
// Pattern vectors have PATTERN_LENGTH (32) numbers.
const vector = Array.from({ length: 32 }, (_, i) => Math.sin(i));
const tick = (extra: Record<string, unknown>) => ({ symbol: 'EURUSD', time: Date.now() - 60_000, bid: 1.1, ask: 1.1002, ...extra });
// A request that is not the fast path's shape (a second variable, a directive) goes through graphql-js.
const GRAPHQL_JS_INSERT = `mutation Insert($ticks: [TickInput!]!, $no: Boolean!) { insertTicks(ticks: $ticks) @skip(if: $no) { accepted rejected { index reason } } }`;
const ENTITIES_COSTLY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instrument { ticks(first: 1) { edges { node { bid } } } } } }`;

export const HOSTILE_INPUTS: readonly HostileInput[] = [
  // Time ranges
  { name: 'candles from: 0 (issue 13: over 60 s, RSS 0.8 to 3.2 GB)', transport: 'http', query: `{ candles(symbol: "EURUSD", interval: M1, from: 0, limit: 1) { time } }`, codes: REFUSED },
  { name: 'candles from: -9007199254740991 (issue 13: the process died)', transport: 'http', query: `{ candles(symbol: "EURUSD", interval: M1, from: -9007199254740991, limit: 1) { time } }`, codes: INVALID_LITERAL },
  { name: 'candles from: -9007199254740991 as a variable', transport: 'http', query: `query($f: DateTime) { candles(symbol: "EURUSD", interval: M1, from: $f, limit: 1) { time } }`, variables: { f: -9007199254740991 }, codes: REFUSED },
  { name: 'candles from 2000-01-01 on M1 (14 million buckets)', transport: 'http', query: `{ candles(symbol: "EURUSD", interval: M1, from: "2000-01-01T00:00:00Z", limit: 10000) { time } }`, codes: REFUSED },
  { name: 'candles to year 9999', transport: 'http', query: `query($f: DateTime) { candles(symbol: "EURUSD", interval: M1, from: $f, to: "9999-12-31T23:59:59Z") { time } }`, variables: { f: Date.now() - 3_600_000 }, codes: REFUSED },
  { name: 'Instrument.candles from: 0', transport: 'http', query: `{ instrument(symbol: "EURUSD") { candles(interval: M1, from: 0, limit: 1) { time } } }`, codes: REFUSED },
  { name: 'ticks from: 0 to year 9999', transport: 'http', query: `{ ticks(symbol: "EURUSD", from: 0, to: "9999-12-31T23:59:59Z", first: 1) { edges { cursor } } }`, codes: REFUSED },
  // Cursors
  { name: 'a 1 MB tick cursor', transport: 'http', query: `query($a: String) { ticks(symbol: "EURUSD", after: $a) { edges { cursor } } }`, variables: { a: 'A'.repeat(MB) }, codes: REFUSED },
  { name: 'an instrument cursor naming a 1 MB symbol', transport: 'http', query: `query($a: String) { instruments(after: $a) { edges { cursor } } }`, variables: { a: base64url(`instrument:${'Z'.repeat(MB)}`) }, codes: REFUSED },
  // Symbols and strings
  { name: 'instrument(symbol) with a NUL', transport: 'http', query: `query($s: String!) { instrument(symbol: $s) { symbol } }`, variables: { s: NUL }, codes: REFUSED },
  { name: 'ticks(symbol) of 1 MB', transport: 'http', query: `query($s: String!) { ticks(symbol: $s) { edges { cursor } } }`, variables: { s: 'E'.repeat(MB) }, codes: REFUSED },
  { name: 'candles(symbol) with control characters', transport: 'http', query: `query($s: String!) { candles(symbol: $s, interval: M1) { time } }`, variables: { s: 'EURUSD\r\n\u001b[2J' }, codes: REFUSED },
  { name: 'insertTicks (fast path): a symbol with a NUL', transport: 'http', query: INSERT, variables: { ticks: [tick({}), tick({ symbol: NUL })] }, codes: REFUSED },
  { name: 'insertTicks (graphql-js path): a symbol with a NUL', transport: 'http', query: GRAPHQL_JS_INSERT, variables: { ticks: [tick({}), tick({ symbol: NUL })], no: false }, codes: REFUSED },
  { name: '_entities: a representation whose symbol has a NUL', transport: 'http', query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instrument { symbol } } }`, variables: { r: [{ __typename: 'Instrument', symbol: NUL }] }, codes: REFUSED },
  { name: '_entities: a representation that is a list', transport: 'http', query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Instrument { symbol } } }`, variables: { r: [[]] }, codes: REFUSED },
  // Found by test/fuzz/arguments.fuzz.test.ts in CI: a null id reached the account loader (INTERNAL_SERVER_ERROR).
  { name: '_entities: an Account representation whose id is null', transport: 'http', query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } } }`, variables: { r: [{ __typename: 'Account', id: null }] }, codes: REFUSED },
  { name: '_entities: an Account representation whose id is an object', transport: 'http', query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Account { id } } }`, variables: { r: [{ __typename: 'Account', id: { a: 1 } }] }, codes: REFUSED },
  { name: 'similarPatterns: an all-zero vector', transport: 'http', query: `query($v: [Float!]!) { similarPatterns(vector: $v, interval: M1) { distance } }`, variables: { v: vector.map(() => 0) }, codes: REFUSED },
  { name: 'instruments(assetClass) with a NUL', transport: 'http', query: `query($a: String) { instruments(assetClass: $a) { edges { cursor } } }`, variables: { a: 'F\u0000X' }, codes: REFUSED },
  { name: 'similarPatterns(assetClass) of 1 MB', transport: 'http', query: `query($v: [Float!]!, $a: String) { similarPatterns(vector: $v, interval: M1, assetClass: $a) { distance } }`, variables: { v: vector, a: 'M'.repeat(MB) }, codes: REFUSED },
  // Times that name no instant
  { name: 'insertTicks (fast path): 2025-02-29T10:00:00Z', transport: 'http', query: INSERT, variables: { ticks: [tick({ time: '2025-02-29T10:00:00Z' })] }, codes: REFUSED },
  { name: 'insertTicks (graphql-js path): 2025-06-10T24:00:00Z', transport: 'http', query: GRAPHQL_JS_INSERT, variables: { ticks: [tick({ time: '2025-06-10T24:00:00Z' })], no: false }, codes: REFUSED },
  { name: 'candles from: "2026-02-30T10:00:00Z"', transport: 'http', query: `{ candles(symbol: "EURUSD", interval: M1, from: "2026-02-30T10:00:00Z", limit: 1) { time } }`, codes: INVALID_LITERAL },
  // _entities's cost
  {
    // Cost 4,002 an entity: 40,020 when `_entities` counted as 10 (under the limit of 50,000).
    name: '_entities: 40 literal representations, each a tick page of 2,000',
    transport: 'http',
    query: `{ _entities(representations: [${Array.from({ length: 40 }, () => '{ __typename: "Instrument", symbol: "EURUSD" }').join(', ')}]) { ... on Instrument { ticks(first: 2000) { edges { node { bid } } } } } }`,
    codes: TOO_COSTLY,
  },
  { name: '_entities: 50,000 representations in a variable', transport: 'http', query: ENTITIES_COSTLY, variables: { r: Array.from({ length: 50_000 }, () => ({ __typename: 'Instrument', symbol: 'EURUSD' })) }, codes: TOO_COSTLY },
  // Over graphql-ws a message is at most WS_MAX_PAYLOAD_BYTES (1 MiB; a larger one closes the socket
  // with 1009, test/hostile/websocket.test.ts): these stay under it, so the check they meet is theirs.
  { name: '_entities: 20,000 representations in a variable (0.9 MB), over graphql-ws', transport: 'ws', query: ENTITIES_COSTLY, variables: { r: Array.from({ length: 20_000 }, () => ({ __typename: 'Instrument', symbol: 'EURUSD' })) }, codes: TOO_COSTLY },
  // The subscription
  { name: 'subscription cursor naming 50,000 partitions (0.5 MB)', transport: 'ws', query: `subscription($a: String) { ticks(symbols: ["EURUSD"], after: $a) { bid cursor } }`, variables: { a: manyPartitions }, codes: REFUSED },
  { name: 'subscription cursor naming partition 7 of a one-partition stream', transport: 'ws', query: `subscription($a: String) { ticks(symbols: ["EURUSD"], after: $a) { bid } }`, variables: { a: base64url('live:0.0,7.0') }, codes: REFUSED },
  { name: 'subscription symbol with a NUL', transport: 'ws', query: `subscription($s: String!) { ticks(symbols: [$s]) { bid } }`, variables: { s: NUL }, codes: REFUSED },
];

/** What every hostile input runs against: EURUSD with 2,000 ticks over the last hour. */
export async function seedHostileTarget(gateway: GatewayProcess): Promise<void> {
  const upserted = await gateway.gql(UPSERT, { instruments: [instrument('EURUSD'), instrument('GBPUSD')] });
  if (upserted.errors) throw new Error(JSON.stringify(upserted.errors));
  const inserted = await gateway.gql(INSERT, { ticks: tickSeries('EURUSD', Date.now() - 3_600_000, 2_000, 1_000) });
  if (inserted.data?.insertTicks?.accepted !== 2_000) throw new Error(JSON.stringify(inserted));
}
