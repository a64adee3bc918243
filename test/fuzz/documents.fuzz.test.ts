import fc from 'fast-check';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { wsClient, wsRequest } from '../helpers/ws-request.js';
import { MiB, responseProblems, settledHeap } from './response-checks.js';

// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };
const RUNS = 150; // per property; about 10 s for the file on 2 cores

let gw: TestGateway;
let client: Client;
beforeAll(async () => {
  gw = await startGateway({ env: embedded });
  await gw.gql(UPSERT, { instruments: [instrument('EURUSD'), instrument('XAUUSD', { assetClass: 'METAL' })] });
  client = wsClient(gw.wsUrl);
});
afterAll(async () => {
  await client?.dispose();
  await gw?.destroy();
});

const FIELDS = ['instrument(symbol: "EURUSD")', 'instruments', 'related', 'instrument', 'latestTick', 'ticks', 'edges', 'node', 'similar(interval: M1)', 'x', '__typename', '__schema', 'types', 'fields', 'type', 'ofType'];
const field = fc.constantFrom(...FIELDS);
const nest = (names: string[], leaf = 'symbol') => `{ ${names.map((n) => `${n} { `).join('')}${leaf}${' }'.repeat(names.length)} }`;

const deepNesting = fc.array(field, { minLength: 1, maxLength: 600 }).map((names) => nest(names));
const aliasBomb = fc
  .tuple(fc.integer({ min: 1, max: 1500 }), fc.constantFrom('instrument(symbol: "EURUSD") { symbol }', 'candles(symbol: "EURUSD", interval: M1, limit: 10000) { time }', '__typename'))
  .map(([n, selection]) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ')} }`);
const hugeString = fc
  .tuple(fc.integer({ min: 1, max: 300_000 }), fc.constantFrom('x', '\\u00e9', '\\"', '\\q', '\n', '"""'))
  .map(([n, unit]) => `{ instrument(symbol: "${unit.repeat(Math.ceil(n / unit.length))}") { symbol } }`);
const blockString = fc.integer({ min: 1, max: 300_000 }).map((n) => `{ instrument(symbol: """${'y'.repeat(n)}""") { symbol } }`);
// k fragments on Instrument, each spreading some of the others: cycles, self-spreads, diamonds.
const fragmentGraph = fc
  .integer({ min: 1, max: 12 })
  .chain((k) => fc.array(fc.array(fc.integer({ min: 0, max: k - 1 }), { maxLength: 4 }), { minLength: k, maxLength: k }))
  .map((spreads) => {
    const fragments = spreads.map((to, i) => `fragment F${i} on Instrument { symbol ${to.map((j) => `related { instrument { ...F${j} } }`).join(' ')} }`);
    return `{ instrument(symbol: "EURUSD") { ...F0 } } ${fragments.join(' ')}`;
  });
const TOKENS = ['{', '}', '(', ')', ':', '...', '$v', '@include', '@skip', '[', ']', '=', '!', 'query', 'mutation', 'subscription', 'fragment', 'on', 'Instrument',
  'instrument', 'ticks', 'symbol', 'insertTicks', '"EURUSD"', '1', '-1.5e3', 'true', 'null', 'M1', '__schema', '__type', '#c\n', '"""b"""', '&', '|', 'Float', '\u0000', '\ufeff'];
const randomTokens = fc.array(fc.constantFrom(...TOKENS), { maxLength: 300 }).map((t) => t.join(' '));
const VALUES = ['1', '"x"', 'true', 'null', '[1, 2]', '{ a: 1 }', '-1', '1e400', '99999999999999999999', '$v', 'M1', '""', '"2026-01-01"'];
const value = fc.constantFrom(...VALUES);
const wrongTypes = fc
  .tuple(value, value, value, fc.constantFrom('Int', 'String!', '[Float!]!', 'DateTime', 'CandleInterval', 'TickInput'))
  .map(([a, b, c, type]) => `query($v: ${type}) { ticks(symbol: ${a}, first: ${b}, from: ${c}) { edges { cursor } } candles(symbol: "EURUSD", interval: ${a}, limit: ${b}) { time } }`);
const directiveBomb = fc
  .tuple(fc.integer({ min: 1, max: 200 }), fc.constantFrom('@include(if: true)', '@skip(if: false)', '@deprecated', '@nope', '@include(if: $v)'))
  .map(([n, d]) => `{ instrument(symbol: "EURUSD") { ${Array.from({ length: n }, (_, i) => `f${i % 7}: symbol ${d}`).join(' ')} } }`);

const document = fc.oneof(deepNesting, aliasBomb, hugeString, blockString, fragmentGraph, randomTokens, wrongTypes, directiveBomb, fc.string({ maxLength: 200 }));
const request = fc.record(
  { query: document, variables: fc.option(fc.dictionary(fc.constantFrom('v', 'w'), fc.jsonValue({ maxDepth: 3 })), { freq: 3 }), operationName: fc.option(fc.string({ maxLength: 8 }), { freq: 5 }) },
  { requiredKeys: ['query'] },
);
type Request = { query: string; variables?: Record<string, unknown> | null; operationName?: string | null };

async function overHttp({ query, variables, operationName }: Request) {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables, operationName }) });
  return responseProblems(res.status, await res.text());
}

async function overWebSocket(payload: Request) {
  const result = await wsRequest(client, payload, 5_000);
  if (result.closed) return [`the socket closed: ${result.closed.code} ${result.closed.reason}`];
  if (result.pending) return []; // a valid subscription, running: nothing to check
  return responseProblems(undefined, JSON.stringify(result));
}

describe('arbitrary query documents', () => {
  it('are answered over HTTP with data or coded errors, never a 5xx or a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        expect(await overHttp(req), req.query.slice(0, 300)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('are answered over WebSocket the same way, and the socket stays open', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (req) => {
        expect(await overWebSocket(req), req.query.slice(0, 300)).toEqual([]);
      }),
      { numRuns: RUNS },
    );
  });

  it('keep the heap flat', async () => {
    const round = () => fc.assert(fc.asyncProperty(request, async (req) => void (await Promise.all([overHttp(req), overWebSocket(req)]))), { numRuns: RUNS / 3 });
    await round(); // warm-up: Apollo's document cache, loaders and JIT settle
    const before = settledHeap();
    for (let i = 0; i < 3; i++) await round();
    const grown = settledHeap() - before;
    // Measured: 4 to 6 MiB, all of it Apollo's cache of parsed HTTP documents (an LRU of at most
    // 30 MiB); over WebSocket alone, 0.6 MiB over 300 documents.
    expect(grown / MiB).toBeLessThan(16);
  });

  it('are checked by assertions that fail on what they exist to catch', async () => {
    expect(responseProblems(502, '{"data":null}')).toEqual(['HTTP status 502']);
    expect(responseProblems(undefined, JSON.stringify({ errors: [{ message: 'Cannot read x', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }))).toEqual([
      'INTERNAL_SERVER_ERROR for bad input',
    ]);
    expect(responseProblems(undefined, JSON.stringify({ errors: [{ message: 'at Parser.parse (file:///work/main/node_modules/graphql/language/parser.mjs:10:3)' }] }))).toEqual([
      'a stack trace',
      'a source file path',
      'an error without extensions.code: at Parser.parse (file:///work/main/node_modules/graphql/language/parser.mjs:10:3)',
    ]);
    expect(responseProblems(200, '{}')).toEqual(['neither `data` nor `errors`']);
  });
});
