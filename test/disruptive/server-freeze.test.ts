import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tickKey } from '../helpers/tick-key.js';
import { createClickHouseTickStore } from '../../src/stores/ticks/clickhouse-tick-store.js';
import type { TickInput, TickStore } from '../../src/stores/ticks/tick-store.js';
import { ciManagedUrl, services, weaviate } from '../helpers/ci-services.js';
import { startClickHouseFixture, type ClickHouseFixture } from '../helpers/clickhouse-fixture.js';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

/**
 * Issue 6: each server CI runs is frozen (SIGSTOP), then killed (SIGKILL) and restarted, while
 * a gateway on all of them takes a steady insertTicks load. Liveness never fails, readiness
 * names the store while it is gone and recovers by itself, and the tick store (ClickHouse, here
 * the HTTP fixture over chDB) ends up holding every acknowledged tick exactly once.
 * Only the servers in $MG_CI_DIR/env are touched, never one someone else runs.
 */
const URLS = {
  POSTGRES_URL: ciManagedUrl('POSTGRES_URL'),
  REDIS_URL: ciManagedUrl('REDIS_URL'),
  KAFKA_BROKERS: ciManagedUrl('KAFKA_BROKERS'),
  WEAVIATE_URL: ciManagedUrl('WEAVIATE_URL'),
  WEAVIATE_GRPC_PORT: ciManagedUrl('WEAVIATE_GRPC_PORT'),
};
const missing = Object.keys(URLS).filter((name) => !URLS[name as keyof typeof URLS]);

type Command = 'pause' | 'resume' | 'kill' | 'start';
interface Server {
  name: string;
  key: string; // in symbols and topic names
  /** The /readyz stores this server backs. */
  stores: string[];
  control(command: Command): Promise<void>;
  /** insertTicks does not need it (the cache is best effort): it must keep acknowledging. */
  ingestWithout: boolean;
}
const SERVERS: Server[] = [
  // The graph store runs on the same PostgreSQL (no ArangoDB in CI); ticks live in ClickHouse,
  // but insertTicks looks the symbols up in the relational store.
  { name: 'PostgreSQL', key: 'PG', stores: ['relational', 'graph'], control: (c) => services(`${c}-postgres`), ingestWithout: false },
  { name: 'Redis', key: 'RD', stores: ['cache'], control: (c) => services(`${c}-redis`), ingestWithout: true },
  { name: 'Kafka', key: 'KF', stores: ['stream'], control: (c) => services(`${c}-kafka`), ingestWithout: false },
  { name: 'Weaviate', key: 'WV', stores: ['vector'], control: (c) => weaviate(c), ingestWithout: true },
];

const STORE_TIMEOUT_MS = 1_000;
const DOWN_WITHIN_MS = 15_000; // a frozen server's ping times out after 2 s; a few probes
const UP_WITHIN_MS = 45_000; // a restarted Kafka re-registers after its 4 s session expired
const FROZEN_MS = 3_000; // load against the frozen server once readiness reported it
// In steady state the sink stores a tick within about 0.5 s. After a Kafka restart it wrote
// again 30 s after readiness was back (measured; kafkajs's default session timeout is 30 s).
const STORED_WITHIN_MS = 60_000;

describe.skipIf(missing.length > 0)(`servers frozen, killed and restarted under load${missing.length ? ` (not .ci servers: ${missing.join(', ')})` : ''}`, () => {
  const run = Math.random().toString(36).slice(2, 7).toUpperCase();
  let clickhouse: ClickHouseFixture;
  let ticks: TickStore;

  beforeAll(async () => {
    clickhouse = await startClickHouseFixture();
    ticks = createClickHouseTickStore({ url: clickhouse.url, database: 'default', username: 'default', password: '', requestTimeoutMs: 10_000 });
    await ticks.start();
  });
  afterAll(async () => {
    await ticks?.close();
    await clickhouse?.stop();
  });

  for (const server of SERVERS) {
    it(`keeps liveness, reports ${server.name} down and back, and stores each acknowledged tick once`, async () => {
      const symbols = ['EURUSD', 'GBPUSD', 'USDJPY'].map((s) => `${s}${server.key}${run}`);
      const gw = await spawnGateway({
        POSTGRES_URL: URLS.POSTGRES_URL!,
        REDIS_URL: URLS.REDIS_URL!,
        KAFKA_BROKERS: URLS.KAFKA_BROKERS!,
        KAFKA_TOPIC: `freeze-${run}-${server.key}`,
        KAFKA_SINK_GROUP: `freeze-sink-${run}-${server.key}`,
        KAFKA_SINK_MAX_WAIT_MS: '200',
        WEAVIATE_URL: URLS.WEAVIATE_URL!,
        WEAVIATE_GRPC_PORT: URLS.WEAVIATE_GRPC_PORT!,
        CLICKHOUSE_URL: clickhouse.url,
        MIGRATE_ON_START: 'true',
        STORE_TIMEOUT_MS: String(STORE_TIMEOUT_MS),
        STORE_BREAKER_HALF_OPEN_MS: '1000',
      });
      let load: Load | undefined;
      let liveness: Liveness | undefined;
      try {
        expect((await gw.gql(UPSERT, { instruments: symbols.map((s) => instrument(s)) })).data.upsertInstruments).toBe(3);
        expect((await until(() => readiness(gw), (r) => r.status === 200, 30_000)).value).toMatchObject({ status: 200 });
        liveness = watchLiveness(gw);
        load = startLoad(gw, symbols);
        await until(async () => load!.accepted, (n) => n >= 300, 20_000);

        await server.control('pause');
        const paused = Date.now(); // the whole process tree is stopped by now
        const down = await until(() => readiness(gw), (r) => r.status === 503 && server.stores.every((s) => r.stores[s] === 'down'), DOWN_WITHIN_MS);
        const others = Object.keys(down.value.stores).filter((s) => !server.stores.includes(s));
        expect(down.value).toEqual({ status: 503, stores: Object.fromEntries([...server.stores.map((s) => [s, 'down']), ...others.map((s) => [s, 'up'])]) });
        await sleep(FROZEN_MS);
        const killed = Date.now();
        const ackedWhileFrozen = load.batches.filter((b) => b.sentAt > paused && b.doneAt < killed && b.ok).length;
        if (server.ingestWithout) expect(ackedWhileFrozen).toBeGreaterThan(0);

        await server.control('kill');
        await server.control('start');
        const restarted = Date.now();
        const up = await until(() => readiness(gw), (r) => r.status === 200, UP_WITHIN_MS);
        expect(up.value.status).toBe(200);
        // Ingest works again without a gateway restart.
        const atUp = load.accepted;
        await until(async () => load!.accepted, (n) => n >= atUp + 300, 20_000);
        await load.stop();
        const live = await liveness.stop();
        expect(live.failures).toEqual([]);
        expect(load.accepted).toBeGreaterThanOrEqual(atUp + 300);
        // Each tick is new, so an acknowledged batch accepts all of it.
        expect(load.batches.filter((b) => b.ok && b.accepted !== b.size)).toEqual([]);

        const sent = load.sent;
        const from = sent[0]!.time;
        const to = sent.at(-1)!.time;
        const reached = await until(() => ticks.ticksBetween(symbols, from, to), (rows) => rows.length >= load!.accepted, STORED_WITHIN_MS);
        await sleep(2_000); // a late write (a batch the sink fetched again) would land by now
        const stored = await ticks.ticksBetween(symbols, from, to);

        const counts = new Map<string, number>();
        for (const row of stored) counts.set(tickKey(row), (counts.get(tickKey(row)) ?? 0) + 1);
        const acknowledged = new Set(load.acknowledged.map(tickKey));
        const outcomes = summarise(load.batches, paused, killed, restarted);
        console.info(`${server.name}: ${JSON.stringify({
          downAfterMs: down.value.status === 503 ? down.ms : null,
          readyAfterRestartMs: up.ms,
          restartMs: restarted - killed,
          ...outcomes,
          acknowledged: load.accepted,
          sent: sent.length,
          storedNotAcknowledged: stored.filter((row) => !acknowledged.has(tickKey(row))).length,
          storedFirstReachedMs: reached.ms,
          stored: stored.length,
          livenessPolls: live.polls,
          slowestLivenessMs: live.slowestMs,
        })}`);
        const twice = [...counts].filter(([, n]) => n > 1);
        const lost = load.acknowledged.filter((t) => !counts.has(tickKey(t)));
        expect({ twice: twice.length, first: twice.slice(0, 5) }).toEqual({ twice: 0, first: [] });
        expect({ lost: lost.length, first: lost.slice(0, 5) }).toEqual({ lost: 0, first: [] });
        // Nothing that was not sent in a batch the gateway answered with an error. Such a batch
        // may still be stored (a write that timed out may have been applied: README, "When a
        // store fails"; its bridge re-sends it and the copy counts as duplicates): with Kafka, an
        // append the gateway gave up on while the broker was frozen reached the log once, in 1
        // of 7 runs (20 ticks of 1,880 stored).
        const answeredWithError = new Set(load.failed.map(tickKey));
        const unexplained = stored.filter((row) => !acknowledged.has(tickKey(row)) && !answeredWithError.has(tickKey(row)));
        expect({ unexplained: unexplained.length, first: unexplained.slice(0, 5) }).toEqual({ unexplained: 0, first: [] });
      } finally {
        await load?.stop();
        await liveness?.stop();
        await server.control('resume').catch(() => undefined); // a failure while it was frozen
        await server.control('start');
        await Promise.race([gw.stop(), sleep(15_000).then(() => gw.kill())]);
      }
    });
  }
});

interface Batch {
  sentAt: number;
  doneAt: number;
  size: number;
  ok: boolean;
  accepted: number;
  error?: string;
}

interface Load {
  /** Every tick sent, in time order (each has its own time, so its own key). */
  sent: TickInput[];
  /** The ticks of batches answered without errors. */
  acknowledged: TickInput[];
  /** The ticks of batches answered with an error, or not answered. */
  failed: TickInput[];
  /** The sum of `accepted` over those batches. */
  accepted: number;
  batches: Batch[];
  stop(): Promise<void>;
}

/** A few clients each sending small batches back to back, as bridges do. */
function startLoad(gw: GatewayProcess, symbols: string[], clients = 3, batchSize = 20): Load {
  let next = Date.now() - 3_600_000; // one millisecond per tick: every tick is distinct
  let running = true;
  const load: Omit<Load, 'stop'> = { sent: [], acknowledged: [], failed: [], accepted: 0, batches: [] };
  const client = async () => {
    while (running) {
      const batch = Array.from({ length: batchSize }, (_, i): TickInput => ({
        symbol: symbols[i % symbols.length]!,
        time: next++,
        bid: 1.1,
        ask: 1.2,
        last: null,
        volume: 1,
        flags: null,
      }));
      load.sent.push(...batch);
      const sentAt = Date.now();
      try {
        const res = await gw.gql(INSERT, { ticks: batch });
        const result = res.data?.insertTicks as { accepted: number } | undefined;
        const ok = !res.errors && result !== undefined;
        load.batches.push({ sentAt, doneAt: Date.now(), size: batch.length, ok, accepted: result?.accepted ?? 0, error: res.errors?.[0]?.extensions?.code });
        if (ok) {
          load.acknowledged.push(...batch);
          load.accepted += result.accepted;
        } else load.failed.push(...batch);
      } catch (error) {
        load.batches.push({ sentAt, doneAt: Date.now(), size: batch.length, ok: false, accepted: 0, error: String(error) });
        load.failed.push(...batch);
      }
      await sleep(20);
    }
  };
  const done = Promise.all(Array.from({ length: clients }, client));
  return Object.assign(load, {
    stop: async () => {
      running = false;
      await done;
    },
  });
}

interface Liveness {
  stop(): Promise<{ polls: number; failures: string[]; slowestMs: number }>;
}

/** Polls /healthz every 100 ms; anything but a 200 (a timeout included) is a failure. */
function watchLiveness(gw: GatewayProcess): Liveness {
  const url = new URL('/healthz', gw.url);
  const failures: string[] = [];
  let polls = 0;
  let slowestMs = 0;
  let running = true;
  const done = (async () => {
    while (running) {
      const started = Date.now();
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        await res.arrayBuffer();
        if (res.status !== 200) failures.push(`${new Date().toISOString()} ${res.status}`);
      } catch (error) {
        failures.push(`${new Date().toISOString()} ${String(error)}`);
      }
      polls++;
      slowestMs = Math.max(slowestMs, Date.now() - started);
      await sleep(100);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return { polls, failures, slowestMs };
    },
  };
}

async function readiness(gw: GatewayProcess): Promise<{ status: number; stores: Record<string, string> }> {
  // Strict: 503 while any store is down, whichever server it is (plain /readyz stays 200 for
  // a store outside READY_STORES; see test/e2e/partial-results.test.ts).
  const res = await fetch(new URL('/readyz?strict', gw.url), { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { stores: { store: string; status: string }[] };
  return { status: res.status, stores: Object.fromEntries(body.stores.map((s) => [s.store, s.status])) };
}

/** Polls until `done` holds or `limitMs` passed; the last value and how long it took. */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, limitMs: number): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    const ms = Date.now() - started;
    if (done(value) || ms > limitMs) return { value, ms };
    await sleep(100);
  }
}

/** Batches acknowledged and failed per phase, for the log line of each server. */
function summarise(batches: Batch[], paused: number, killed: number, restarted: number) {
  const phase = (b: Batch) => (b.sentAt < paused ? 'before' : b.sentAt < killed ? 'frozen' : b.sentAt < restarted ? 'restarting' : 'after');
  const byPhase: Record<string, { ok: number; failed: number; errors: string[] }> = {};
  for (const b of batches) {
    const p = (byPhase[phase(b)] ??= { ok: 0, failed: 0, errors: [] });
    if (b.ok) p.ok++;
    else {
      p.failed++;
      if (b.error && !p.errors.includes(b.error)) p.errors.push(b.error);
    }
  }
  return { batches: byPhase };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
