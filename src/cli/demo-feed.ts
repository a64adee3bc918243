import { setTimeout as sleep } from 'node:timers/promises';
import { BRIDGE_DEFAULTS, createBridgeClient } from '../bridge/bridge-client.js';
import { gqlClient, type Gql } from '../bridge/gql.js';
import type { TickInput } from '../stores/ticks/tick-store.js';
import { UsageError, type Command } from './args.js';

/**
 * Plays synthetic ticks into a running gateway through its public API (`insertTicks` over HTTP,
 * sent by the bridge client as a MetaTrader bridge would): a random walk from each instrument's
 * latest tick.
 */

const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';
const DEFAULT_RATE = 100; // ticks per second, over all symbols
const MAX_RATE = 1_000_000; // ticks per second
const BATCH_EVERY_MS = 100; // ticks are made every 100 ms, and sent at most 100 ms later
const MAX_BATCH = 10_000; // ticks per call; well under MAX_TICKS_PER_INSERT's default of 100,000
const PROGRESS_EVERY_MS = 2_000;
// The walk moves each price by about 0.05% a minute (one standard deviation), whatever the rate:
// enough for M1 candles to have bodies, little enough to look like a market.
const VOLATILITY_PER_MINUTE = 0.0005;

interface FeedOptions {
  url: string;
  rate: number;
  durationS: number | null;
  symbols: string[] | null;
  apiKey: string | null;
}

interface Walk {
  symbol: string;
  digits: number;
  bid: number;
  spread: number;
}

interface Totals {
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  firstRejection?: string;
}

export const demoFeedCommand: Command = {
  name: 'demo-feed',
  summary: 'play synthetic ticks into a running gateway through insertTicks, at a chosen rate',
  usage: 'marketgraph demo-feed [--rate TICKS_PER_S] [--url URL] [--symbols A,B] [--duration S] [--api-key KEY]',
  options: {
    rate: { type: 'string' },
    url: { type: 'string' },
    symbols: { type: 'string' },
    duration: { type: 'string' },
    'api-key': { type: 'string' },
  },
  async run(values) {
    const options = feedOptions(values);
    const walks = await startingPrices(gqlClient(options.url, options.apiKey), options.symbols);
    const totals = await feed(options.url, walks, options);
    console.log(progressLine(totals, totals.elapsedS, options.url));
    return 0;
  },
};

function feedOptions(values: Record<string, string | boolean | undefined>): FeedOptions {
  const number = (name: string, fallback: number | null, max: number) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (typeof raw !== 'string' || !Number.isFinite(n) || n <= 0 || n > max) throw new UsageError(`--${name} must be a number above 0 and at most ${max}; got "${raw}"`);
    return n;
  };
  const url = typeof values.url === 'string' ? values.url : DEFAULT_URL;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`--url must be an http(s) URL; got "${url}"`);
  const symbols = typeof values.symbols === 'string' ? values.symbols.split(',').map((s) => s.trim()).filter(Boolean) : null;
  if (symbols?.length === 0) throw new UsageError('--symbols must name at least one instrument');
  return {
    url,
    rate: number('rate', DEFAULT_RATE, MAX_RATE)!,
    durationS: number('duration', null, 365 * 86_400),
    symbols,
    apiKey: typeof values['api-key'] === 'string' ? values['api-key'] : null,
  };
}

/** Every instrument (or those named), each starting at its latest tick, or a price its digits suggest. */
async function startingPrices(gql: Gql, only: string[] | null): Promise<Walk[]> {
  type Node = { symbol: string; digits: number; latestTick: { bid: number; ask: number } | null };
  const nodes: Node[] = [];
  for (let after: string | null = null; ; ) {
    const page: { instruments: { edges: { node: Node }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await gql(
      `query DemoFeed($after: String) {
        instruments(first: 1000, after: $after) { edges { node { symbol digits latestTick { bid ask } } } pageInfo { hasNextPage endCursor } }
      }`,
      { after },
    );
    nodes.push(...page.instruments.edges.map((e) => e.node));
    if (!page.instruments.pageInfo.hasNextPage) break;
    after = page.instruments.pageInfo.endCursor;
  }
  const chosen = only ? nodes.filter((n) => only.includes(n.symbol)) : nodes;
  const unknown = only?.filter((s) => !nodes.some((n) => n.symbol === s)) ?? [];
  if (unknown.length > 0) throw new UsageError(`unknown symbols: ${unknown.join(', ')}`);
  if (chosen.length === 0) throw new Error('the gateway has no instruments: seed it (marketgraph seed) or upsertInstruments first');
  return chosen.map(({ symbol, digits, latestTick }) => {
    const point = 10 ** -digits;
    // Without a tick: 1.00000 for five digits, 100.000 for three, 1000.00 for two, as FX and metals quote.
    const bid = latestTick?.bid ?? 10 ** (5 - digits);
    const spread = latestTick && latestTick.ask > latestTick.bid ? latestTick.ask - latestTick.bid : 10 * point;
    return { symbol, digits, bid, spread };
  });
}

/**
 * Sends ticks at `rate` until `durationS` has passed, or until SIGINT/SIGTERM, through the bridge
 * client: while the gateway is away or limits the rate, ticks wait in the client's buffer (then
 * the walk waits for room), and every one is sent once it answers again. The walk keeps its place.
 */
async function feed(url: string, walks: Walk[], options: FeedOptions): Promise<Totals & { elapsedS: number }> {
  let firstRejection: string | undefined;
  const client = createBridgeClient({
    url,
    apiKey: options.apiKey,
    // About one call per BATCH_EVERY_MS at the chosen rate.
    batchSize: Math.min(MAX_BATCH, Math.max(1, Math.ceil((options.rate * BATCH_EVERY_MS) / 1000))),
    flushIntervalMs: BATCH_EVERY_MS,
    bufferTicks: Math.max(BRIDGE_DEFAULTS.bufferTicks, MAX_BATCH),
    onRetry: (e) => process.stderr.write(`demo-feed: ${e.reason}: re-sending ${e.ticks.toLocaleString('en-US')} ticks in ${(e.waitMs / 1000).toFixed(1)} s\n`),
    onRejected: (_tick, reason) => (firstRejection ??= reason),
  });
  const totals = (): Totals => ({ ...client.report(), firstRejection });
  const ticksPerMinuteEach = (options.rate * 60) / walks.length;
  const sigma = VOLATILITY_PER_MINUTE / Math.sqrt(Math.max(ticksPerMinuteEach, 1));
  let stopping = false;
  const stop = () => (stopping = true);
  process.once('SIGINT', stop).once('SIGTERM', stop);

  const started = performance.now();
  let lastTime = Date.now();
  let lastProgress = started;
  let made = 0;
  try {
    for (;;) {
      const iteration = performance.now();
      const elapsedS = (iteration - started) / 1000;
      const ending = stopping || (options.durationS !== null && elapsedS >= options.durationS);
      const due = Math.floor(Math.min(elapsedS, options.durationS ?? Infinity) * options.rate) - made;
      const count = Math.min(due, MAX_BATCH);
      if (count > 0) {
        const now = Date.now();
        for (const tick of walkTicks(walks, count, lastTime, now, sigma)) {
          const full = client.add(tick);
          if (full) await full; // the buffer is full: the gateway is away or slow
        }
        made += count;
        lastTime = now;
      }
      if (ending && count === due) {
        await client.close();
        return { ...totals(), elapsedS: (performance.now() - started) / 1000 };
      }
      if (performance.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = performance.now();
        process.stderr.write(`${progressLine(totals(), (lastProgress - started) / 1000)}\n`);
      }
      // Behind by more than one batch (a slow gateway): make the next at once.
      if (count === due) await sleep(Math.max(0, iteration + BATCH_EVERY_MS - performance.now()));
    }
  } finally {
    process.off('SIGINT', stop).off('SIGTERM', stop);
  }
}

/** `count` ticks of random instruments, times spread evenly over (from, to] milliseconds. */
function walkTicks(walks: Walk[], count: number, from: number, to: number, sigma: number): TickInput[] {
  return Array.from({ length: count }, (_, i) => {
    const walk = walks[Math.floor(Math.random() * walks.length)]!;
    const point = 10 ** -walk.digits;
    walk.bid = Math.max(point, walk.bid * Math.exp(sigma * gaussian()));
    const bid = round(walk.bid, walk.digits);
    return {
      symbol: walk.symbol,
      time: Math.round(from + ((i + 1) * (to - from)) / count),
      bid,
      ask: round(bid + walk.spread, walk.digits),
      last: null,
      volume: Math.ceil(Math.random() * 10),
      flags: null,
    };
  });
}

const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** A standard normal number (Box-Muller). */
const gaussian = () => Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());

function progressLine(t: Totals, elapsedS: number, url?: string): string {
  const rate = elapsedS > 0 ? t.sent / elapsedS : 0;
  const n = (value: number) => value.toLocaleString('en-US');
  const rejected = t.firstRejection ? `${n(t.rejected)} rejected (first: ${t.firstRejection})` : `${n(t.rejected)} rejected`;
  return `demo-feed: ${n(t.sent)} ticks sent${url ? ` to ${url}` : ''} in ${elapsedS.toFixed(1)} s (${rate.toFixed(1)} ticks/s); ${n(t.accepted)} accepted, ${n(t.duplicates)} duplicates, ${rejected}`;
}
