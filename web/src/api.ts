import { createClient, type Client } from 'graphql-ws/client';
import { apiKey, Refused } from './credentials.js';

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
  /** Today's D1 candle (UTC), for the change over the day; empty before today's first tick, null while the tick store is down. */
  today: { open: number }[] | null;
}

export interface Related {
  /** Null when the relational store could not say which instrument it is. */
  instrument: { symbol: string } | null;
  kind: 'SHARES_CURRENCY' | 'SAME_SECTOR' | 'CORRELATED';
  distance: number;
  weight: number | null;
}

export interface Similar {
  /** Null when the relational store could not say which instrument it is. */
  instrument: { symbol: string } | null;
  distance: number;
}

export interface StoreHealth {
  store: string;
  engine: string;
  status: 'up' | 'down';
  latencyMs: number;
}

const GRAPHQL_URL = `${location.origin}/graphql`;

interface Answer<T> {
  /** Null where a field failed (its store is down): each field's error is in `errors`. */
  data: T;
  errors: { message: string; path?: (string | number)[] }[];
}

/**
 * POST /graphql with this tab's API key, if any (the header the gateway reads: src/auth). A 401
 * or 403 is a Refused; an answer with data is returned with its errors, so that one store's
 * outage costs the fields it nulled, not the whole answer.
 */
async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<Answer<T>> {
  const key = apiKey();
  const res = await fetch(GRAPHQL_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: { message: string; path?: (string | number)[] }[] };
  const message = body.errors?.[0]?.message ?? '';
  if (res.status === 401 || res.status === 403) throw new Refused(res.status, message, key !== null);
  if (!body.data) throw new Error(message || `HTTP ${res.status}`);
  return { data: body.data, errors: body.errors ?? [] };
}

/** The value at `field`, or the error the gateway gave for it (or for the field holding it). */
function required<V>(value: V | null | undefined, answer: Answer<unknown>): V {
  if (value !== null && value !== undefined) return value;
  throw new Error(answer.errors[0]?.message ?? 'no answer');
}

// `first` at most 1000 (schema); the subscription takes 100 symbols at a time (see subscribeTicks).
export async function loadInstruments(dayStart: number): Promise<Instrument[]> {
  const answer = await gql<{ instruments: { edges: { node: Instrument }[] } | null }>(
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
  return required(answer.data.instruments, answer).edges.map((e) => e.node);
}

export async function loadCandles(symbol: string, interval: Interval, limit = 300): Promise<Candle[]> {
  const answer = await gql<{ candles: Candle[] | null }>(
    `query Candles($symbol: String!, $interval: CandleInterval!, $limit: Int) {
      candles(symbol: $symbol, interval: $interval, limit: $limit) { time open high low close }
    }`,
    { symbol, interval, limit },
  );
  return required(answer.data.candles, answer);
}

// Related and similar are asked for apart from the candles and from each other: they come from the
// graph and the vector store, and one store being down must not blank the rest of the page.
export async function loadRelated(symbol: string): Promise<Related[]> {
  const answer = await gql<{ instrument: { related: Related[] | null } | null }>(
    `query Related($symbol: String!) {
      instrument(symbol: $symbol) { related(depth: 1) { instrument { symbol } kind distance weight } }
    }`,
    { symbol },
  );
  return answer.data.instrument ? required(answer.data.instrument.related, answer) : [];
}

export async function loadSimilar(symbol: string, interval: Interval): Promise<Similar[]> {
  const answer = await gql<{ instrument: { similar: Similar[] | null } | null }>(
    `query Similar($symbol: String!, $interval: CandleInterval!) {
      instrument(symbol: $symbol) { similar(interval: $interval, k: 5) { instrument { symbol } distance } }
    }`,
    { symbol, interval },
  );
  return answer.data.instrument ? required(answer.data.instrument.similar, answer) : [];
}

export async function loadReadiness(): Promise<{ status: string; stores: StoreHealth[] }> {
  // 503 is an answer here (a store is down), not a failure: its body names the store.
  const res = await fetch('/readyz', { headers: { accept: 'application/json' } });
  return (await res.json()) as { status: string; stores: StoreHealth[] };
}

export type Connection = 'connecting' | 'live' | 'closed' | 'refused';

const SYMBOLS_PER_SUBSCRIPTION = 100; // Subscription.ticks takes at most 100 symbols
const TICKS_SUBSCRIPTION = 'subscription Ticks($symbols: [String!]!) { ticks(symbols: $symbols) { symbol time bid ask } }';
// The gateway closes a socket whose connection_init carries no valid key with 4403 (graphql-ws's
// Forbidden; 4401, its Unauthorized, is refused alike): trying again with the same key cannot help.
const REFUSED_CLOSE_CODES = [4401, 4403];

function refusal(event: unknown): CloseEvent | null {
  const close = event as Partial<CloseEvent> | null;
  return typeof close?.code === 'number' && REFUSED_CLOSE_CODES.includes(close.code) ? (close as CloseEvent) : null;
}

/**
 * Every tick of these symbols, over one socket that reconnects by itself, for the page's lifetime.
 * The tab's API key goes in `connectionParams` at each connection; a socket refused for it is
 * not retried, and `onRefused` says so.
 */
export function subscribeTicks(
  symbols: string[],
  onTick: (tick: Tick) => void,
  onConnection: (state: Connection) => void,
  onRefused: (refused: Refused) => void,
): void {
  let sentKey: string | null = null;
  const client: Client = createClient({
    url: GRAPHQL_URL.replace(/^http/, 'ws'),
    connectionParams: () => {
      sentKey = apiKey();
      return sentKey ? { apiKey: sentKey } : {};
    },
    retryAttempts: Infinity,
    shouldRetry: (event) => refusal(event) === null,
    on: {
      connecting: () => onConnection('connecting'),
      connected: () => onConnection('live'),
      closed: (event) => {
        const refused = refusal(event);
        onConnection(refused ? 'refused' : 'closed');
        if (refused) onRefused(new Refused(refused.code, refused.reason, sentKey !== null));
      },
    },
  });
  for (let i = 0; i < symbols.length; i += SYMBOLS_PER_SUBSCRIPTION) {
    client.subscribe<{ ticks: Tick }>(
      { query: TICKS_SUBSCRIPTION, variables: { symbols: symbols.slice(i, i + SYMBOLS_PER_SUBSCRIPTION) } },
      {
        next: (result) => result.data && onTick(result.data.ticks),
        error: (error) => refusal(error) === null && onConnection('closed'),
        complete: () => {},
      },
    );
  }
}
