import { describe, expect, it } from 'vitest';
import { createBridgeClient } from '../../src/bridge/bridge-client.js';
import type { Outcome } from '../../src/bridge/retry-table.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

/**
 * The client's batching and its bounds, with a stand-in transport that records each request and
 * answers as told: what a gateway does is in bridge-client.test.ts; here, what the client does.
 */
const tick = (i: number): TickInput => ({ symbol: 'EURUSD', time: 1_795_766_400_000 + i, bid: 1.1, ask: 1.2, last: null, volume: null, flags: null });
const ok = (body: string): Outcome => {
  const n = JSON.parse(body).variables.ticks.length;
  return { kind: 'answer', status: 200, retryAfter: null, text: JSON.stringify({ data: { insertTicks: { accepted: n, duplicates: 0, rejected: [] } } }) };
};

/** A transport whose answers wait until released, counting requests open at once. */
function heldTransport(answer: (body: string, call: number) => Outcome = ok) {
  const bodies: string[] = [];
  const waiting: (() => void)[] = [];
  let open = 0;
  let mostOpen = 0;
  return {
    bodies,
    get mostOpen() {
      return mostOpen;
    },
    releaseAll: () => waiting.splice(0).forEach((release) => release()),
    post: (body: string) =>
      new Promise<Outcome>((resolve) => {
        const call = bodies.push(body) - 1;
        mostOpen = Math.max(mostOpen, ++open);
        waiting.push(() => {
          open--;
          resolve(answer(body, call));
        });
      }),
  };
}

describe('the bridge client, batching', () => {
  it('cuts full batches by count and sends at most maxInFlight at once', async () => {
    const transport = heldTransport();
    const client = createBridgeClient({ url: 'http://unused', post: transport.post, batchSize: 10, maxInFlight: 2, bufferTicks: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 50; i++) expect(client.add(tick(i))).toBeUndefined();
    expect(transport.bodies).toHaveLength(2); // two in flight, three batches waiting
    const closed = client.close();
    while (transport.bodies.length < 5) {
      transport.releaseAll();
      await new Promise((r) => setImmediate(r));
    }
    transport.releaseAll();
    const report = await closed;
    expect(transport.mostOpen).toBe(2);
    expect(transport.bodies.map((b) => JSON.parse(b).variables.ticks.length)).toEqual([10, 10, 10, 10, 10]);
    expect(report).toMatchObject({ added: 50, sent: 50, accepted: 50, pending: 0 });
  });

  it('sends a batch that is not full once the flush interval has passed', async () => {
    const transport = heldTransport();
    const client = createBridgeClient({ url: 'http://unused', post: transport.post, batchSize: 1_000, flushIntervalMs: 50 });
    client.add(tick(0));
    client.add(tick(1));
    expect(transport.bodies).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 200));
    expect(transport.bodies).toHaveLength(1);
    expect(JSON.parse(transport.bodies[0]!).variables.ticks).toHaveLength(2);
    transport.releaseAll();
    expect(await client.close()).toMatchObject({ sent: 2, accepted: 2 });
  });

  it('holds the source back when its buffer is full, and lets it go on as answers come', async () => {
    const transport = heldTransport();
    const client = createBridgeClient({ url: 'http://unused', post: transport.post, batchSize: 10, maxInFlight: 1, bufferTicks: 30, flushIntervalMs: 60_000 });
    for (let i = 0; i < 29; i++) expect(client.add(tick(i))).toBeUndefined();
    const full = client.add(tick(29));
    expect(full).toBeInstanceOf(Promise);
    expect(() => client.add(tick(30))).toThrow(/the buffer is full: await the promise add returned/);
    let room = false;
    void full!.then(() => (room = true));
    await new Promise((r) => setImmediate(r));
    expect(room).toBe(false);
    transport.releaseAll(); // the first batch answered: 10 ticks of room
    await full;
    expect(client.report()).toMatchObject({ added: 30, sent: 10, pending: 20 });
  });

  it('re-sends the same bytes after Retry-After, and sends no other batch meanwhile', async () => {
    const calls: { body: string; at: number }[] = [];
    const started = Date.now();
    const client = createBridgeClient({
      url: 'http://unused',
      batchSize: 2,
      maxInFlight: 2,
      flushIntervalMs: 60_000,
      post: async (body) => {
        calls.push({ body, at: Date.now() - started });
        // The first answer is a 429: one second to wait.
        if (calls.length === 1) return { kind: 'answer', status: 429, retryAfter: '1', text: JSON.stringify({ errors: [{ message: 'slow down', extensions: { code: 'RATE_LIMITED' } }] }) };
        return ok(body);
      },
    });
    client.add(tick(0));
    client.add(tick(1)); // a full batch: sent, and refused
    await new Promise((r) => setTimeout(r, 50));
    client.add(tick(2));
    client.add(tick(3)); // a second batch, with a slot free: it waits out the Retry-After too
    const report = await client.close();
    expect(report).toMatchObject({ sent: 4, accepted: 4, retries: 1, retriesByReason: { RATE_LIMITED: 1 } });
    expect(calls).toHaveLength(3);
    expect(calls[1]!.at).toBeGreaterThanOrEqual(950);
    expect(calls[2]!.at).toBeGreaterThanOrEqual(950);
    expect(calls.filter((c) => c.body === calls[0]!.body)).toHaveLength(2); // the refused batch, re-sent byte for byte
  });
});

describe('the bridge client over HTTP', () => {
  it('re-sends a batch whose answer does not come within requestTimeoutMs, and one whose connection is reset', async () => {
    // A stand-in server: the first request is never answered, the second has its connection
    // destroyed, the third is answered.
    const { createServer } = await import('node:http');
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        seen.push(body);
        if (seen.length === 1) return; // no answer
        if (seen.length === 2) return req.socket.destroy();
        res.setHeader('content-type', 'application/json');
        res.end((ok(body) as { text: string }).text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
      const client = createBridgeClient({ url, requestTimeoutMs: 300, flushIntervalMs: 10 });
      client.add(tick(0));
      const report = await client.close();
      expect(report).toMatchObject({ sent: 1, accepted: 1, retries: 2 });
      expect(Object.keys(report.retriesByReason)).toEqual(['timeout', expect.stringMatching(/^connection (ECONNRESET|socket hang up)$/)]);
      expect(new Set(seen).size).toBe(1); // the same body three times
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
