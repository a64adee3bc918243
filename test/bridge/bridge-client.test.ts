import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeStopped, createBridgeClient } from '../../src/bridge/bridge-client.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';
import { fx, gql, marketgraph, restartableGateway, storedCount, UPSERT, type Restartable } from './bridge-gateway.js';

/**
 * The bridge client against a gateway in its own process that limits it hard: 4,000 ticks a
 * second per key (bursts of 1,000), at most 1,500 ticks waiting to be stored (so two batches of
 * 1,000 in flight overload it), and a SIGKILL and restart in the middle. Every tick the source
 * produced must be stored exactly once, and the client's counts must add up.
 */
const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD'];
const TICKS = 24_000;
const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-bridge-client-'));
const keys = { ingest: '', admin: '', read: '' };
let gateway: Restartable;

beforeAll(async () => {
  for (const role of ['ingest', 'admin', 'read'] as const) {
    const created = await marketgraph(['keys', 'create', '--role', role, '--name', `bridge-test-${role}`], { DATA_DIR: dataDir });
    expect(created.code, created.stderr).toBe(0);
    keys[role] = created.stdout.trim();
  }
  gateway = await restartableGateway({ AUTH: 'required', INGEST_RATE_LIMIT_TICKS_PER_S: '4000', INGEST_RATE_LIMIT_BURST: '1000', INGEST_MAX_PENDING_TICKS: '1500' }, dataDir);
  await gql(gateway.url, keys.admin, UPSERT, { i: SYMBOLS.map((s) => fx(s)) });
}, 300_000); // CLI runs and a gateway start, on a machine shared by seven test runs
afterAll(async () => {
  await gateway?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The source: `count` distinct ticks, round-robin over the symbols, each symbol in time order. */
function* source(count: number, from: number): Generator<TickInput> {
  for (let i = 0; i < count; i++) {
    const bid = Number((1.1 + (i % 997) / 100_000).toFixed(5));
    yield { symbol: SYMBOLS[i % SYMBOLS.length]!, time: from + i, bid, ask: Number((bid + 0.0002).toFixed(5)), last: null, volume: (i % 7) + 1, flags: 6 };
  }
}

describe('the bridge client against a limited gateway', () => {
  it('stores every tick exactly once through rate limits, overload and a gateway restart, and its counts add up', async () => {
    const retries: string[] = [];
    const bufferTicks = 5_000;
    const client = createBridgeClient({ url: gateway.url, apiKey: keys.ingest, batchSize: 1_000, maxInFlight: 3, bufferTicks, flushIntervalMs: 50, onRetry: (e) => retries.push(e.reason) });
    const from = Date.now() - 86_400_000;
    let restarted: Promise<void> | null = null;
    let mostHeld = 0;
    let heldBack = 0; // times the source had to wait for room
    for (const tick of source(TICKS, from)) {
      const full = client.add(tick);
      if (full) {
        heldBack++;
        await full;
      }
      mostHeld = Math.max(mostHeld, client.report().pending);
      // Half-way, the gateway is killed and comes back 1 s later on the same data and port;
      // the source keeps producing meanwhile and is held back by the full buffer.
      if (!restarted && client.report().accepted >= TICKS / 2) restarted = gateway.restart(1_000);
    }
    await restarted;
    const report = await client.close();

    expect(mostHeld).toBeLessThanOrEqual(bufferTicks);
    expect(heldBack).toBeGreaterThan(0);
    expect(report.added).toBe(TICKS);
    expect(report.sent).toBe(TICKS);
    expect(report.pending).toBe(0);
    expect(report.rejected).toBe(0);
    expect(report.accepted + report.duplicates).toBe(TICKS);
    expect(report.retries).toBe(retries.length);
    expect(Object.values(report.retriesByReason).reduce((a, b) => a + b, 0)).toBe(report.retries);
    expect(report.retriesByReason.RATE_LIMITED).toBeGreaterThan(0);
    expect(Object.keys(report.retriesByReason).some((r) => r.startsWith('connection '))).toBe(true); // the restart

    let stored = 0;
    for (const symbol of SYMBOLS) stored += await storedCount(gateway.url, keys.admin, symbol);
    expect(stored).toBe(TICKS);
    // What was acknowledged before the kill and re-sent after counts as a duplicate, not twice.
    expect(report.accepted).toBe(TICKS - report.duplicates);
  }, 300_000);

  it('reports the ticks the gateway rejects, with their reason and ref, and never re-sends them', async () => {
    const rejected: [string, number | undefined][] = [];
    const client = createBridgeClient({ url: gateway.url, apiKey: keys.ingest, onRejected: (_t, reason, ref) => rejected.push([reason, ref]) });
    const time = Date.now() - 3_600_000;
    client.add({ symbol: 'EURUSD', time, bid: 1.2, ask: 1.1, last: null, volume: null, flags: null }, 41);
    client.add({ symbol: 'NOPE', time, bid: 1.1, ask: 1.2, last: null, volume: null, flags: null }, 42);
    client.add({ symbol: 'EURUSD', time: time + 1, bid: 1.1, ask: 1.2, last: null, volume: null, flags: null }, 43);
    const report = await client.close();
    expect(report).toMatchObject({ added: 3, sent: 3, accepted: 1, duplicates: 0, rejected: 2, retries: 0 });
    expect(rejected).toEqual([
      ['bid 1.2 is greater than ask 1.1', 41],
      ['unknown symbol "NOPE": create the instrument first (upsertInstruments)', 42],
    ]);
    expect(report.rejectedByReason).toEqual({ 'bid # is greater than ask #': 1, 'unknown symbol "NOPE": create the instrument first (upsertInstruments)': 1 });
  });

  it('stops with a clear message on a wrong key (401) and on a key without the ingest role (403)', async () => {
    const tick = { symbol: 'EURUSD', time: Date.now() - 1000, bid: 1.1, ask: 1.2, last: null, volume: null, flags: null };
    for (const [apiKey, message] of [
      ['mg_0000000000000000_' + 'A'.repeat(43), /refused the API key \(HTTP 401 UNAUTHENTICATED\)/],
      [keys.read, /may not insert ticks \(HTTP 403 FORBIDDEN\): it needs the ingest role/],
    ] as const) {
      const client = createBridgeClient({ url: gateway.url, apiKey });
      client.add(tick);
      const closed = client.close();
      await expect(closed).rejects.toThrow(BridgeStopped);
      await expect(closed).rejects.toThrow(message);
      expect(client.report()).toMatchObject({ added: 1, sent: 0, retries: 0, pending: 1 });
    }
  });

  it('refuses a tick the gateway could not parse at add, alone, naming the field', () => {
    const client = createBridgeClient({ url: gateway.url, apiKey: keys.ingest });
    expect(() => client.add({ symbol: 'EURUSD', time: Date.now(), bid: 1.1, ask: 1.2, last: null, volume: null, flags: 2 ** 31 })).toThrow(
      /flags must be an integer from 0 to 2147483647 \(GraphQL Int\) or null; got 2147483648/,
    );
    expect(client.report().added).toBe(0);
  });
});
