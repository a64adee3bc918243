import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { EMBEDDED, post } from './probe.js';

/**
 * Limits README promises, checked on a gateway in its own process: "Up to 100,000 ticks per call
 * (MAX_TICKS_PER_INSERT)", and a resumed subscription replays "at most SUBSCRIPTION_REPLAY_MAX
 * … more is refused with BAD_USER_INPUT".
 */
const REPLAY_MAX = 5;
const INSERT = 'mutation($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }';
const UPSERT = 'mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }';
const SUBSCRIBE = 'subscription($s: [String!]!, $after: String) { ticks(symbols: $s, after: $after) { bid cursor } }';

let gateway: GatewayProcess;
let client: Client;
const gql = async (query: string, variables: Record<string, unknown>) => (await post(gateway.url, JSON.stringify({ query, variables }))).body;

beforeAll(async () => {
  gateway = await spawnGateway({ ...EMBEDDED, SUBSCRIPTION_REPLAY_MAX: String(REPLAY_MAX) }, 180_000);
  const instruments = ['EURUSD', 'GBPUSD'].map((symbol) => ({ symbol, assetClass: 'fx', baseCurrency: symbol.slice(0, 3), quoteCurrency: 'USD', digits: 5 }));
  expect(await gql(UPSERT, { i: instruments })).toEqual({ data: { upsertInstruments: 2 } });
  client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
}, 200_000);
afterAll(async () => {
  await client?.dispose();
  await gateway?.stop();
});

describe('insertTicks batch size', () => {
  it('refuses a batch of 100,001 ticks whole with BAD_USER_INPUT, storing none of it', async () => {
    const start = Date.now() - 200_000;
    const ticks = Array.from({ length: 100_001 }, (_, i) => ({ symbol: 'GBPUSD', time: new Date(start + i).toISOString(), bid: 1.2, ask: 1.3 }));
    const answer = await post(gateway.url, JSON.stringify({ query: INSERT, variables: { ticks } }));
    expect(answer.code).toBe('BAD_USER_INPUT');
    expect(answer.body.errors[0].message).toBe('at most 100000 ticks per insertTicks call; got 100001');
    expect(answer.ms).toBeLessThan(20_000); // 7.7 s measured on a loaded 2-core machine: parsing 11 MB and coercing every tick
    const stored = await gql('{ ticks(symbol: "GBPUSD", first: 1) { edges { cursor } } }', {});
    expect(stored).toEqual({ data: { ticks: { edges: [] } } });
  }, 60_000);
});

describe('subscription replay cap', () => {
  let bid = 1;
  const insert = async (n: number) => {
    const ticks = Array.from({ length: n }, () => ({ symbol: 'EURUSD', time: new Date().toISOString(), bid: (bid += 0.0001), ask: bid + 0.0002 }));
    expect((await gql(INSERT, { ticks })).data.insertTicks).toMatchObject({ accepted: n });
  };

  /** Subscribes (from `after`) and gathers ticks until `count` came, or an error did. */
  function resume(after: string | undefined, count: number) {
    return new Promise<{ ticks: { bid: number; cursor: string }[]; errors?: any[] }>((resolve) => {
      const ticks: { bid: number; cursor: string }[] = [];
      const stop = client.subscribe(
        { query: SUBSCRIBE, variables: { s: ['EURUSD'], after } },
        {
          next: (message) => {
            if (message.errors) return (stop(), resolve({ ticks, errors: [...message.errors] }));
            ticks.push(message.data!.ticks as { bid: number; cursor: string });
            if (ticks.length === count) (stop(), resolve({ ticks }));
          },
          error: (errors) => resolve({ ticks, errors: errors as any[] }),
          complete: () => resolve({ ticks }),
        },
      );
    });
  }

  it(`replays exactly ${REPLAY_MAX} missed ticks, and refuses ${REPLAY_MAX + 1} with BAD_USER_INPUT`, async () => {
    const live = resume(undefined, 1);
    await new Promise((r) => setTimeout(r, 500)); // registered before the tick is accepted
    await insert(1);
    const last = (await live).ticks[0]!.cursor;

    await insert(REPLAY_MAX);
    const atCap = await resume(last, REPLAY_MAX);
    expect(atCap.errors).toBeUndefined();
    expect(atCap.ticks).toHaveLength(REPLAY_MAX);

    await insert(REPLAY_MAX + 1);
    const overCap = await resume(atCap.ticks.at(-1)!.cursor, 1);
    expect(overCap.ticks).toEqual([]);
    expect(overCap.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(overCap.errors?.[0]?.message).toMatch(`more than ${REPLAY_MAX} ticks were missed`);
  }, 60_000);
});
