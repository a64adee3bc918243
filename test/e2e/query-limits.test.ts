import { getIntrospectionQuery, parse } from 'graphql';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { wsClient, wsRequest } from '../helpers/ws-request.js';

// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };
// The defaults of src/config.ts: these tests prove them.
const LIMITS = { depth: 10, aliases: 15, directives: 50, tokens: 1000, cost: 50_000 };

let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  gw = await startGateway({ env: embedded });
  await gw.gql(UPSERT, { instruments: [instrument('EURUSD'), instrument('EURGBP')] });
  client = wsClient(gw.wsUrl);
});
afterAll(async () => {
  await client?.dispose();
  await gw?.destroy();
});

/** `instrument → (related → instrument)* → leaf`, exactly `depth` fields deep. */
function depthDoc(depth: number): string {
  const below = depth - 1;
  const pairs = Math.floor((below - 1) / 2);
  const leaf = below % 2 === 1 ? 'symbol' : 'latestTick { bid }';
  return `{ instrument(symbol: "EURUSD") { ${'related { instrument { '.repeat(pairs)}${leaf}${' } }'.repeat(pairs)} } }`;
}
const aliasDoc = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: instrument(symbol: "EURUSD") { symbol }`).join(' ')} }`;
const directiveDoc = (n: number) => `{ instrument(symbol: "EURUSD") { ${'symbol @include(if: true) '.repeat(n)}} }`;
/**
 * A batch of literal ticks, `n` tokens long: 19 tokens around the batch, 14 a tick, the rest
 * `__typename`. (Not one field repeated: graphql-js compares repeated fields pairwise and gives up
 * at ~1,000 copies.)
 */
let tokenDocs = 0;
function tokenDoc(n: number): string {
  const count = Math.floor((n - 19) / 14);
  // Ticks of their own per document: one sent again would be answered as duplicates from memory,
  // without a store call to show that its resolver ran.
  const first = Date.now() - 60_000 + tokenDocs++ * count;
  const ticks = Array.from({ length: count }, (_, i) => `{ symbol: "EURUSD", time: ${first + i}, bid: 1.1, ask: 1.2 }`);
  return `mutation { insertTicks(ticks: [${ticks.join(' ')}]) { accepted duplicates rejected { index reason } ${'__typename '.repeat(n - 19 - 14 * count)}} }`;
}
// Each candle page costs its `limit`, one object per candle.
const candlePages = (pages: number, extra = '') =>
  `{ ${Array.from({ length: pages }, (_, i) => `c${i}: candles(symbol: "EURUSD", interval: M1, limit: 10000) { time }`).join(' ')} ${extra} }`;
const costDoc = (over: boolean) => candlePages(5, over ? 'instrument(symbol: "EURUSD") { symbol }' : '');

interface Answer {
  status?: number;
  data?: any;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}
const TRANSPORTS: [string, (query: string) => Promise<Answer>][] = [
  ['HTTP', (query) => gw.gql(query)],
  ['WebSocket', (query) => wsRequest(client, { query })],
];

const CASES = [
  { limit: 'depth', at: depthDoc(LIMITS.depth), past: depthDoc(LIMITS.depth + 1), code: 'GRAPHQL_VALIDATION_FAILED', message: `Query depth ${LIMITS.depth + 1} exceeds the limit of ${LIMITS.depth}.` },
  { limit: 'aliases', at: aliasDoc(LIMITS.aliases), past: aliasDoc(LIMITS.aliases + 1), code: 'GRAPHQL_VALIDATION_FAILED', message: `Number of aliases ${LIMITS.aliases + 1} exceeds the limit of ${LIMITS.aliases}.` },
  { limit: 'directives', at: directiveDoc(LIMITS.directives), past: directiveDoc(LIMITS.directives + 1), code: 'GRAPHQL_VALIDATION_FAILED', message: `Number of directives ${LIMITS.directives + 1} exceeds the limit of ${LIMITS.directives}.` },
  {
    limit: 'tokens',
    get at() {
      return tokenDoc(LIMITS.tokens); // read once per transport
    },
    past: tokenDoc(LIMITS.tokens + 1), code: 'GRAPHQL_PARSE_FAILED', message: `Syntax Error: Document contains more that ${LIMITS.tokens} tokens. Parsing aborted.` },
  { limit: 'cost', at: costDoc(false), past: costDoc(true), code: 'GRAPHQL_VALIDATION_FAILED', message: `Query cost ${LIMITS.cost + 1} exceeds the limit of ${LIMITS.cost}.` },
];

describe('query limits', () => {
  it('builds documents exactly at each limit (self-check of the test documents)', () => {
    expect(() => parse(tokenDoc(LIMITS.tokens), { maxTokens: LIMITS.tokens })).not.toThrow();
    expect(() => parse(tokenDoc(LIMITS.tokens), { maxTokens: LIMITS.tokens - 1 })).toThrow(/more that/);
    expect(depthDoc(4)).toBe('{ instrument(symbol: "EURUSD") { related { instrument { symbol } } } }');
    expect(depthDoc(5)).toBe('{ instrument(symbol: "EURUSD") { related { instrument { latestTick { bid } } } } }');
  });

  for (const [transport, run] of TRANSPORTS) {
    describe(`over ${transport}`, () => {
      for (const { limit, at, past, code, message } of CASES) {
        it(`runs a document at the ${limit} limit`, async () => {
          gw.resetCalls();
          const res = await run(at);
          expect(res.errors).toBeUndefined();
          expect(res.data).toBeTruthy();
          expect(gw.calls.size).toBeGreaterThan(0); // its resolvers ran
        });

        it(`refuses a document one past the ${limit} limit without calling a resolver`, async () => {
          gw.resetCalls();
          const res = await run(past);
          expect(res.data).toBeUndefined();
          expect(res.errors).toEqual([expect.objectContaining({ message, extensions: expect.objectContaining({ code }) })]);
          if (transport === 'HTTP') expect(res.status).toBe(400);
          expect(Object.fromEntries(gw.calls)).toEqual({});
        });
      }

      it('refuses a fragment cycle quickly, naming the fragment', async () => {
        gw.resetCalls();
        const started = performance.now();
        const res = await run(`query { instrument(symbol: "EURUSD") { ...A } }
          fragment A on Instrument { related { instrument { ...B } } }
          fragment B on Instrument { symbol ...A }`);
        expect(performance.now() - started).toBeLessThan(1000);
        expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(res.errors?.[0]?.message).toMatch(/Cannot spread fragment "A" within itself via "B"/);
        expect(Object.fromEntries(gw.calls)).toEqual({});
      });

      it('refuses a fragment bomb (each fragment spreads the next twice) quickly', async () => {
        const levels = 12; // 2^12 paths, within the token limit
        const fragments = Array.from(
          { length: levels },
          (_, i) => `fragment F${i} on Instrument { related { instrument { ...F${i + 1} } } similar(interval: M1) { instrument { ...F${i + 1} } } }`,
        );
        gw.resetCalls();
        const started = performance.now();
        const res = await run(`{ instrument(symbol: "EURUSD") { ...F0 } } ${fragments.join(' ')} fragment F${levels} on Instrument { symbol }`);
        expect(performance.now() - started).toBeLessThan(2000);
        expect(res.errors?.map((e) => e.message)).toEqual([
          expect.stringMatching(/^Query depth \d+ exceeds the limit of 10\.$/),
          expect.stringMatching(/^Query cost \d+ exceeds the limit of 50000\.$/),
        ]);
        expect(Object.fromEntries(gw.calls)).toEqual({});
      });
    });
  }

  describe('lets the heavy legitimate queries of this schema through', () => {
    const heavy = {
      'the nested batching query': `{ accounts(first: 500) { edges { node { id name balance positions { id side volume openPrice profit instrument { symbol digits latestTick { bid ask } } } } } } }`,
      'a page of 10,000 candles': `{ candles(symbol: "EURUSD", interval: M1, limit: 10000) { time open high low close volume ticks } }`,
      'a page of 10,000 ticks': `{ ticks(symbol: "EURUSD", first: 10000) { edges { cursor node { symbol time bid ask last volume flags cursor } } pageInfo { hasNextPage endCursor } } }`,
      'a tick page and a candle page at once': `{ instrument(symbol: "EURUSD") { ticks(first: 10000) { edges { cursor node { time bid ask } } } candles(interval: M1, limit: 10000) { time close } } }`,
      'pages sized by variables (counted at their caps)': `query($n: Int, $k: Int) { instruments(first: $n) { edges { node { symbol latestTick { bid } candles(interval: H1, limit: 20) { close } } } } accounts(first: $k) { edges { node { name } } } }`,
      "the README's Market query": `query Market {
        instruments(first: 5) { edges { node { symbol latestTick { time bid ask } candles(interval: M5, limit: 12) { time open high low close } } } }
        accounts(first: 3) { edges { node { name balance positions { instrument { symbol } side volume openPrice profit } } } }
      }`,
      "GraphiQL's introspection query": getIntrospectionQuery({ inputValueDeprecation: true, schemaDescription: true, specifiedByUrl: true, directiveIsRepeatable: true }),
    };
    for (const [name, query] of Object.entries(heavy)) {
      it(name, async () => {
        const http = await gw.gql(query, { n: 1000, k: 1000 });
        expect(http.errors).toBeUndefined();
        const ws = await wsRequest(client, { query, variables: { n: 1000, k: 1000 } });
        expect(ws.errors).toBeUndefined();
        expect(ws.data).toEqual(http.data);
      });
    }
  });

  it('gives WebSocket requests the codes HTTP gives them, not INTERNAL_SERVER_ERROR', async () => {
    const typo = await wsRequest(client, { query: '{ instrumnts { edges { cursor } } }' });
    expect(typo.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const syntax = await wsRequest(client, { query: '{ instruments {' });
    expect(syntax.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const variables = await wsRequest(client, {
      query: INSERT,
      variables: { ticks: [{ symbol: 'EURUSD', time: Date.now(), bid: 'abc', ask: 1 }] },
    });
    expect(variables.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(variables.errors?.[0]?.message).toMatch(/ticks\[0\]\.bid.*Float cannot represent/);
  });
});
