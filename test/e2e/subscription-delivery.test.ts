import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * What a screen relies on when its connection drops or it cannot keep up: resuming from the
 * last cursor gives every missed tick once and then live ones; a subscriber that stops reading
 * is dropped (or conflated) instead of growing the gateway's memory; and a tick is serialized
 * once per subscription shape, not once per subscriber.
 */
const SYMBOLS = ['EURUSD', 'GBPUSD', 'XAUUSD'];
const TICK_FIELDS = 'symbol time bid ask cursor';
const SUBSCRIBE = `subscription($s: [String!]!, $after: String) { ticks(symbols: $s, after: $after) { ${TICK_FIELDS} } }`;

let time = Date.now() - 3_600_000; // an hour ago: ticks from the future are refused
let price = 1;
/** Distinct ticks: each has its own time and bid, so it can be named by them. */
const nextTicks = (n: number, symbols = SYMBOLS) =>
  Array.from({ length: n }, (_, i) => ({ symbol: symbols[i % symbols.length]!, time: (time += 1), bid: (price += 0.0001), ask: price + 0.0002 }));
const key = (t: { symbol: string; time: string | number; bid: number }) => `${t.symbol}@${new Date(t.time).getTime()}@${t.bid.toFixed(4)}`;

async function metric(gw: TestGateway, name: string): Promise<number> {
  const text = await (await gw.get('/metrics')).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0);
}

async function until(check: () => Promise<boolean> | boolean, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A graphql-ws subscription that records what it receives. */
function subscribe(client: Client, variables: Record<string, unknown>, query = SUBSCRIBE) {
  const received: any[] = [];
  const errors: unknown[] = [];
  const dispose = client.subscribe({ query, variables }, { next: (m) => (m.errors ? errors.push(m.errors) : received.push(m.data!.ticks)), error: (e) => errors.push(e), complete: () => {} });
  return { received, errors, dispose };
}

describe('resumable subscriptions', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    await gw.gql(UPSERT, { instruments: SYMBOLS.map((s) => instrument(s)) });
  });
  afterAll(async () => gw?.destroy());

  it('after a killed socket, resuming from the last cursor delivers every missed tick once, then live ones', async () => {
    const accepted: string[] = [];
    const insert = async (n: number) => {
      const ticks = nextTicks(n);
      const res = await gw.gql(INSERT, { ticks });
      expect(res.data.insertTicks.accepted).toBe(n);
      accepted.push(...ticks.map(key));
    };
    // A first connection, killed mid-stream: its socket is terminated without a close handshake.
    let socket: WebSocket | undefined;
    const first = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, on: { connected: (s) => (socket = s as WebSocket) } });
    const before = subscribe(first, { s: SYMBOLS });
    await until(async () => (await metric(gw, 'marketgraph_subscriptions_active')) === 1);
    await insert(30);
    await until(() => before.received.length === 30);
    // Inserts go on while the socket dies and while the new one replays.
    let inserting = true;
    const load = (async () => {
      while (inserting) {
        await insert(7);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    socket!.terminate();
    await first.dispose();
    const seenBefore = [...before.received];
    const last = seenBefore.at(-1).cursor as string;
    await new Promise((r) => setTimeout(r, 100)); // ticks accepted while nobody listens

    const second = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const after = subscribe(second, { s: SYMBOLS, after: last });
    await new Promise((r) => setTimeout(r, 300));
    inserting = false;
    await load;
    await until(() => seenBefore.length + after.received.length >= accepted.length);
    await new Promise((r) => setTimeout(r, 100)); // nothing more may come

    expect(after.errors).toEqual([]);
    const delivered = [...seenBefore, ...after.received].map(key);
    expect(new Set(delivered).size).toBe(delivered.length); // no duplicate
    expect(delivered).toEqual(accepted); // no gap, in the order accepted
    // Each cursor resumes from its own tick: the last one replays nothing.
    const tail = subscribe(second, { s: SYMBOLS, after: after.received.at(-1).cursor });
    await new Promise((r) => setTimeout(r, 200));
    expect(tail.received).toEqual([]);
    tail.dispose();
    after.dispose();
    await second.dispose();
  });

  it('replays only the symbols of the resumed subscription', async () => {
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const live = subscribe(client, { s: ['EURUSD'] });
    await until(async () => (await metric(gw, 'marketgraph_subscriptions_active')) >= 1);
    const first = nextTicks(1, ['EURUSD']);
    await gw.gql(INSERT, { ticks: first });
    await until(() => live.received.length === 1);
    live.dispose();
    const missed = nextTicks(6, ['EURUSD', 'GBPUSD']);
    await gw.gql(INSERT, { ticks: missed });
    const resumed = subscribe(client, { s: ['EURUSD'], after: live.received[0].cursor });
    await until(() => resumed.received.length === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(resumed.received.map(key)).toEqual(missed.filter((t) => t.symbol === 'EURUSD').map(key));
    resumed.dispose();
    await client.dispose();
  });

  it('refuses a cursor that is not a subscription cursor, with BAD_USER_INPUT', async () => {
    const page = await gw.gql(`{ ticks(symbol: "EURUSD", first: 1) { edges { cursor } } }`);
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    for (const after of [page.data.ticks.edges[0].cursor, 'bm9uc2Vuc2U']) {
      const sub = subscribe(client, { s: ['EURUSD'], after });
      await until(() => sub.errors.length > 0);
      expect(sub.errors[0]).toEqual([expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', argument: 'after' } })]);
    }
    await client.dispose();
  });
});

describe('serialization', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway();
    await gw.gql(UPSERT, { instruments: SYMBOLS.map((s) => instrument(s)) });
  });
  afterAll(async () => gw?.destroy());

  it('serializes a tick once per subscription shape, however many subscribers have that shape', async () => {
    const clients = Array.from({ length: 4 }, () => createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 }));
    // 20 subscribers of one shape, with different symbol lists, and 5 of another.
    const same = Array.from({ length: 20 }, (_, i) => subscribe(clients[i % 4]!, { s: i % 2 ? SYMBOLS : ['EURUSD', 'GBPUSD'] }));
    const other = Array.from({ length: 5 }, (_, i) =>
      subscribe(clients[i % 4]!, { s: ['EURUSD'] }, `subscription($s: [String!]!) { ticks(symbols: $s) { symbol bid } }`),
    );
    await until(async () => (await metric(gw, 'marketgraph_subscriptions_active')) === 25);
    const serializedBefore = await metric(gw, 'marketgraph_subscription_payloads_serialized_total');
    const ticks = nextTicks(10, ['EURUSD']);
    await gw.gql(INSERT, { ticks });
    await until(() => same.every((s) => s.received.length === 10) && other.every((s) => s.received.length === 10));
    // 10 ticks x 2 shapes, not 10 x 25 subscribers.
    expect((await metric(gw, 'marketgraph_subscription_payloads_serialized_total')) - serializedBefore).toBe(20);
    for (const s of same) expect(s.received.map(key)).toEqual(ticks.map(key));
    for (const s of other) expect(s.received).toEqual(ticks.map((t) => ({ symbol: t.symbol, bid: t.bid })));
    for (const c of clients) await c.dispose();
  });
});

/** A raw graphql-ws connection whose reading can be paused, like a screen on a stalled network. */
async function stalledSubscriber(url: string, symbols: string[]) {
  const socket = new WebSocket(url, 'graphql-transport-ws');
  const messages: any[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
  await new Promise((r) => socket.once('open', r));
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await until(() => messages.some((m) => m.type === 'connection_ack'));
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIBE, variables: { s: symbols } } }));
  return {
    messages,
    closed,
    pause: () => (socket as any)._socket.pause(),
    resume: () => (socket as any)._socket.resume(),
    close: () => socket.terminate(),
  };
}

describe.each(['drop', 'conflate'] as const)('a subscriber that stops reading (SUBSCRIPTION_SLOW_POLICY=%s)', (policy) => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ env: { SUBSCRIPTION_SLOW_POLICY: policy, SUBSCRIPTION_MAX_BUFFERED_BYTES: String(64 * 1024) } });
    await gw.gql(UPSERT, { instruments: SYMBOLS.map((s) => instrument(s)) });
  });
  afterAll(async () => gw?.destroy());

  it(policy === 'drop' ? 'is closed with 4008 while others get every tick' : 'keeps only the newest tick per symbol while others get every tick', { timeout: 120_000 }, async () => {
    const stalled = await stalledSubscriber(gw.wsUrl, SYMBOLS);
    const client = createClient({ url: gw.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    const healthy = subscribe(client, { s: SYMBOLS });
    await until(async () => (await metric(gw, 'marketgraph_subscriptions_active')) === 2);
    stalled.pause();
    // Insert until the gateway notices (the socket buffers of a loopback connection hold a few
    // MB first), then a little more.
    const action = policy === 'drop' ? 'dropped' : 'conflated';
    const inserted: ReturnType<typeof nextTicks> = [];
    let after = -1;
    for (let i = 0; i < 60 && after !== 0; i++) {
      const ticks = nextTicks(5_000);
      expect((await gw.gql(INSERT, { ticks })).data.insertTicks.accepted).toBe(5_000);
      inserted.push(...ticks);
      if (after > 0) after--;
      else if (after < 0 && (await metric(gw, 'marketgraph_subscription_slow_total')) >= 1) after = 2;
    }
    expect(await (await gw.get('/metrics')).text()).toMatch(new RegExp(`marketgraph_subscription_slow_total\\{action="${action}"\\} [1-9]`));
    await until(() => healthy.received.length === inserted.length, 30_000);
    expect(healthy.received.map(key)).toEqual(inserted.map(key));

    stalled.resume();
    if (policy === 'drop') {
      expect(await stalled.closed).toEqual({ code: 4008, reason: 'Slow subscriber: too much unsent data' });
    } else {
      const newest = new Map(inserted.map((t) => [t.symbol, key(t)]));
      await until(() => {
        const got = stalled.messages.filter((m) => m.type === 'next').map((m) => m.payload.data.ticks);
        return SYMBOLS.every((s) => got.filter((t) => t.symbol === s).at(-1) && key(got.filter((t) => t.symbol === s).at(-1)) === newest.get(s));
      }, 30_000);
      const got = stalled.messages.filter((m) => m.type === 'next');
      expect(got.length).toBeLessThan(inserted.length); // some were conflated away
      stalled.close();
    }
    await client.dispose();
  });
});
