import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  gw = await startGateway();
  await gw.gql(UPSERT, { instruments: ['EURUSD', 'GBPUSD', 'USDJPY'].map((s) => instrument(s)) });
  client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
});
afterAll(async () => {
  await client.dispose();
  await gw.destroy();
});

/** Subscribes and collects ticks until `count` arrived; resolves once the server has registered it. */
async function collect(symbols: string[], count: number) {
  const received: any[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const dispose = client.subscribe(
    { query: `subscription($s: [String!]!) { ticks(symbols: $s) { symbol time bid ask last volume flags cursor } }`, variables: { s: symbols } },
    {
      next: (msg) => {
        received.push(msg.data?.ticks ?? msg.errors);
        if (received.length === count) done();
      },
      error: (e) => {
        received.push(e);
        done();
      },
      complete: () => done(),
    },
  );
  // The subscribe message is handled asynchronously: wait until the hub counts it.
  const before = Date.now();
  while (Date.now() - before < 5000 && received.length === 0 && !(await registered())) await new Promise((r) => setTimeout(r, 20));
  return { received, finished, dispose };
}

let expectedSubscribers = 0;
async function registered(): Promise<boolean> {
  const text = await (await gw.get('/metrics')).text();
  const match = /marketgraph_subscriptions_active (\d+)/.exec(text);
  return Number(match?.[1] ?? 0) >= expectedSubscribers;
}

describe('ticks subscription', () => {
  it('delivers exactly the accepted ticks of its symbols, once each, in order', async () => {
    expectedSubscribers = 1;
    const time = Date.now() - 60_000;
    const sub = await collect(['EURUSD', 'USDJPY'], 4);
    const batch = [
      { symbol: 'EURUSD', time, bid: 1.1, ask: 1.2 },
      { symbol: 'GBPUSD', time, bid: 1.3, ask: 1.4 }, // other symbol: not delivered
      { symbol: 'EURUSD', time: time + 1, bid: 1.2, ask: 1.1 }, // rejected: bid > ask
      { symbol: 'USDJPY', time, bid: 150, ask: 150.1, last: 150.05, volume: 2, flags: 88 },
      { symbol: 'EURUSD', time: time + 2, bid: 1.11, ask: 1.21 },
    ];
    const res = await gw.gql(INSERT, { ticks: batch });
    expect(res.data.insertTicks.accepted).toBe(4);
    // re-sending delivers nothing: duplicates are not accepted ticks
    const again = await gw.gql(INSERT, { ticks: batch });
    expect(again.data.insertTicks.accepted).toBe(0);
    const marker = { symbol: 'USDJPY', time: time + 10, bid: 151, ask: 151.1 };
    await gw.gql(INSERT, { ticks: [marker] });
    // The marker arrives last: anything delivered for the batches above came before it.
    await sub.finished;
    sub.dispose();

    expect(sub.received.map((t) => [t.symbol, t.bid])).toEqual([
      ['EURUSD', 1.1],
      ['USDJPY', 150],
      ['EURUSD', 1.11],
      ['USDJPY', 151],
    ]);
    expect(sub.received[1]).toMatchObject({ last: 150.05, volume: 2, flags: 88, time: new Date(time).toISOString() });
    expect(new Set(sub.received.map((t) => t.cursor)).size).toBe(4);
  });

  it('refuses unknown symbols with BAD_USER_INPUT', async () => {
    const errors = await new Promise<any>((resolve) => {
      client.subscribe(
        { query: `subscription { ticks(symbols: ["NOPE"]) { symbol } }` },
        { next: (msg) => resolve(msg.errors), error: resolve, complete: () => resolve('completed') },
      );
    });
    expect(errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(errors[0].message).toMatch(/unknown symbols: NOPE/);
  });
});
