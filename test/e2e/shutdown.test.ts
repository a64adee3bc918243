import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { INSERT, UPSERT, instrument, tickSeries } from '../helpers/fixtures.js';
import { spawnGateway } from '../helpers/process-gateway.js';

const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-shutdown-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
// Embedded engines only, whatever servers the test run has.
const env = { DATA_DIR: dataDir, POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };

describe('shutdown on SIGTERM', () => {
  it('finishes the request in flight, closes WebSockets with 1001, exits 0, and keeps what it acknowledged', async () => {
    const gateway = await spawnGateway(env);
    await gateway.gql(UPSERT, { instruments: [instrument('EURUSD'), instrument('GBPUSD')] });

    const client = createClient({
      url: gateway.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => {}, // the close is what this test waits for
    });
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      client.on('closed', (event) => resolve(event as { code: number; reason: string })),
    );
    await new Promise<void>((resolve) => client.on('connected', () => resolve()));
    // A symbol the batch does not carry: once the batch is stored before the signal (it takes
    // about 0.3 s now), 100,000 ticks at once would close a subscriber of EURUSD as too slow
    // (4008, SUBSCRIPTION_SLOW_POLICY), which is not what this test is about.
    client.subscribe({ query: `subscription { ticks(symbols: ["GBPUSD"]) { bid } }` }, { next: () => {}, error: () => {}, complete: () => {} });

    // A large batch takes the gateway a few seconds; SIGTERM arrives while it is being handled.
    const ticks = tickSeries('EURUSD', Date.now() - 86_400_000, 100_000, 100);
    const inFlight = gateway.gql(INSERT, { ticks });
    await new Promise((r) => setTimeout(r, 300));
    const signalled = Date.now();
    gateway.child.kill('SIGTERM');

    const response = await inFlight;
    expect(response.data?.insertTicks).toMatchObject({ accepted: 100_000, rejected: [] });
    expect((await closed).code).toBe(1001);
    expect(await gateway.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000); // the bound for a clean exit
    await client.dispose();

    // What was acknowledged before the exit is there after a restart.
    const again = await spawnGateway(env);
    try {
      const { data } = await again.gql(`{ ticks(symbol: "EURUSD", first: 1) { edges { node { time } } } }`);
      expect(data.ticks.edges[0].node.time).toBe(new Date(ticks.at(-1)!.time).toISOString());
      const resend = await again.gql(INSERT, { ticks });
      expect(resend.data?.insertTicks).toMatchObject({ accepted: 0, duplicates: 100_000 });
    } finally {
      await again.stop();
    }
  });
});
