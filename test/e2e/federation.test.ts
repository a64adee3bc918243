import { composeServices } from '@apollo/composition';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD'];

// A second subgraph, as another team would run it: a watchlist service that knows only
// symbols and extends Instrument with a field of its own.
const watchlistTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
  type Instrument @key(fields: "symbol") { symbol: String! watchers: Int! }
  type Query { watchlist: [Instrument!]! }
`);
const watchlistSchema = buildSubgraphSchema({
  typeDefs: watchlistTypeDefs,
  resolvers: {
    Query: { watchlist: () => SYMBOLS.map((symbol) => ({ symbol })) },
    Instrument: {
      __resolveReference: (ref: { symbol: string }) => ref,
      watchers: (i: { symbol: string }) => i.symbol.length * 10,
    },
  },
});

let gw: TestGateway;
const servers: ApolloServer<any>[] = [];
let supergraphUrl: string;

beforeAll(async () => {
  gw = await startGateway();
  await gw.gql(UPSERT, { instruments: SYMBOLS.map((s) => instrument(s)) });
  await gw.gql(INSERT, { ticks: SYMBOLS.map((symbol, i) => ({ symbol, time: Date.now() - 1000, bid: 1 + i, ask: 2 + i })) });

  const watchlist = new ApolloServer({ schema: watchlistSchema });
  servers.push(watchlist);
  const { url: watchlistUrl } = await startStandaloneServer(watchlist, { listen: { port: 0, host: '127.0.0.1' } });

  const sdl = (await gw.gql(`{ _service { sdl } }`)).data._service.sdl as string;
  const composed = composeServices([
    { name: 'marketgraph', url: gw.url, typeDefs: parse(sdl) },
    { name: 'watchlist', url: watchlistUrl, typeDefs: watchlistTypeDefs },
  ]);
  expect(composed.errors ?? []).toEqual([]);
  const gateway = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl! }) });
  servers.push(gateway);
  ({ url: supergraphUrl } = await startStandaloneServer(gateway, { listen: { port: 0, host: '127.0.0.1' } }));
});

afterAll(async () => {
  for (const s of servers.reverse()) await s.stop();
  await gw.destroy();
});

describe('federation', () => {
  it('publishes its SDL with the entity keys', async () => {
    const sdl = (await gw.gql(`{ _service { sdl } }`)).data._service.sdl as string;
    expect(sdl).toMatch(/type Instrument\s+@key\(fields: "symbol"\)/);
    expect(sdl).toMatch(/type Account\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/insertTicks\(ticks: \[TickInput!\]!\): InsertTicksResult!/);
  });

  it('answers a supergraph query that needs both subgraphs, fetching all instruments in one batched call', async () => {
    const queriesBefore = await queryCount();
    gw.resetCalls();
    const res = await fetch(supergraphUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ watchlist { symbol watchers digits latestTick { bid ask } } }` }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.watchlist).toEqual(
      SYMBOLS.map((symbol, i) => ({ symbol, watchers: symbol.length * 10, digits: 5, latestTick: { bid: 1 + i, ask: 2 + i } })),
    );
    // One request from the router to this subgraph, one relational call for all four.
    expect((await queryCount()) - queriesBefore).toBe(1);
    expect(gw.calls.get('relational.instrumentsBySymbols')).toBe(1);
  });
});

async function queryCount(): Promise<number> {
  const text = await (await gw.get('/metrics')).text();
  return Number(/marketgraph_graphql_requests_total\{operation="query",outcome="ok"\} (\d+)/.exec(text)?.[1] ?? 0);
}
