import { createClient, type Client } from 'graphql-ws/client';

/** The gateway's public API, nothing else: POST /graphql with JSON, graphql-ws on the same path. */

export const INTERVALS = ['M1', 'M5', 'M15', 'M30', 'H1', 'H4', 'D1'] as const;
export type Interval = (typeof INTERVALS)[number];

export const INTERVAL_MS: Record<Interval, number> = {
  M1: 60_000,
  M5: 300_000,
  M15: 900_000,
  M30: 1_800_000,
  H1: 3_600_000,
  H4: 14_400_000,
  D1: 86_400_000,
};

export interface Tick {
  symbol: string;
  time: string;
  bid: number;
  ask: number;
}

export interface Candle {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
}

export interface Instrument {
  symbol: string;
  description: string | null;
  digits: number;
  latestTick: Tick | null;
  /** Today's D1 candle (UTC), for the change over the day; empty before today's first tick. */
  today: { open: number }[];
}

export interface Related {
  instrument: { symbol: string };
  kind: 'SHARES_CURRENCY' | 'SAME_SECTOR' | 'CORRELATED';
  distance: number;
  weight: number | null;
}

export interface Similar {
  instrument: { symbol: string };
  distance: number;
}

export interface StoreHealth {
  store: string;
  engine: string;
  status: 'up' | 'down';
  latencyMs: number;
}

const GRAPHQL_URL = `${location.origin}/graphql`;

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? `HTTP ${res.status}`);
  return body.data;
}

// `first` at most 1000 (schema); the subscription takes 100 symbols at a time (see subscribeTicks).
export async function loadInstruments(dayStart: number): Promise<Instrument[]> {
  const data = await gql<{ instruments: { edges: { node: Instrument }[] } }>(
    `query Instruments($dayStart: DateTime!) {
      instruments(first: 1000) {
        edges { node {
          symbol description digits
          latestTick { symbol time bid ask }
          today: candles(interval: D1, from: $dayStart, limit: 1) { open }
        } }
      }
    }`,
    { dayStart: new Date(dayStart).toISOString() },
  );
  return data.instruments.edges.map((e) => e.node);
}

export async function loadCandles(symbol: string, interval: Interval, limit = 300): Promise<Candle[]> {
  const data = await gql<{ candles: Candle[] }>(
    `query Candles($symbol: String!, $interval: CandleInterval!, $limit: Int) {
      candles(symbol: $symbol, interval: $interval, limit: $limit) { time open high low close }
    }`,
    { symbol, interval, limit },
  );
  return data.candles;
}

// Related and similar are asked for apart from the candles and from each other: they come from the
// graph and the vector store, and one store being down must not blank the rest of the page.
export async function loadRelated(symbol: string): Promise<Related[]> {
  const data = await gql<{ instrument: { related: Related[] } | null }>(
    `query Related($symbol: String!) {
      instrument(symbol: $symbol) { related(depth: 1) { instrument { symbol } kind distance weight } }
    }`,
    { symbol },
  );
  return data.instrument?.related ?? [];
}

export async function loadSimilar(symbol: string, interval: Interval): Promise<Similar[]> {
  const data = await gql<{ instrument: { similar: Similar[] } | null }>(
    `query Similar($symbol: String!, $interval: CandleInterval!) {
      instrument(symbol: $symbol) { similar(interval: $interval, k: 5) { instrument { symbol } distance } }
    }`,
    { symbol, interval },
  );
  return data.instrument?.similar ?? [];
}

export async function loadReadiness(): Promise<{ status: string; stores: StoreHealth[] }> {
  // 503 is an answer here (a store is down), not a failure: its body names the store.
  const res = await fetch('/readyz', { headers: { accept: 'application/json' } });
  return (await res.json()) as { status: string; stores: StoreHealth[] };
}

export type Connection = 'connecting' | 'live' | 'closed';

const SYMBOLS_PER_SUBSCRIPTION = 100; // Subscription.ticks takes at most 100 symbols
const TICKS_SUBSCRIPTION = 'subscription Ticks($symbols: [String!]!) { ticks(symbols: $symbols) { symbol time bid ask } }';

/** Every tick of these symbols, over one socket that reconnects by itself, for the page's lifetime. */
export function subscribeTicks(symbols: string[], onTick: (tick: Tick) => void, onConnection: (state: Connection) => void): void {
  const client: Client = createClient({
    url: GRAPHQL_URL.replace(/^http/, 'ws'),
    retryAttempts: Infinity,
    shouldRetry: () => true,
    on: {
      connecting: () => onConnection('connecting'),
      connected: () => onConnection('live'),
      closed: () => onConnection('closed'),
    },
  });
  for (let i = 0; i < symbols.length; i += SYMBOLS_PER_SUBSCRIPTION) {
    client.subscribe<{ ticks: Tick }>(
      { query: TICKS_SUBSCRIPTION, variables: { symbols: symbols.slice(i, i + SYMBOLS_PER_SUBSCRIPTION) } },
      {
        next: (result) => result.data && onTick(result.data.ticks),
        error: () => onConnection('closed'),
        complete: () => {},
      },
    );
  }
}
