import type { RowBinaryTicks } from './row-binary-ticks.js';

/** The port resolvers and the ingest path use for ticks. Times are epoch milliseconds, UTC. */

export interface TickInput {
  symbol: string;
  time: number;
  bid: number;
  ask: number;
  last: number | null;
  volume: number | null;
  flags: number | null;
}

/** A tick as stored: `seq` orders ticks of the same millisecond and makes cursors unique. */
export interface StoredTick extends TickInput {
  seq: number;
}

export const CANDLE_INTERVALS = ['M1', 'M5', 'M15', 'M30', 'H1', 'H4', 'D1'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export interface Candle {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  ticks: number;
}

export interface SymbolCloses {
  symbol: string;
  closes: number[];
}

export interface PairCorrelation {
  a: string;
  b: string;
  coefficient: number;
  points: number;
}

/** Position in one symbol's ticks, ordered by (time, seq). */
export interface TickPosition {
  time: number;
  seq: number;
}

export interface TickPageQuery {
  symbol: string;
  from?: number; // inclusive
  to?: number; // inclusive
  /** Only ticks strictly older than this position (newest-first paging). */
  before?: TickPosition;
  limit: number;
}

export interface CandleQuery {
  symbol: string;
  interval: CandleInterval;
  from?: number; // inclusive
  to?: number; // exclusive
  limit: number;
}

/** ClickHouse statements for schema migrations; chDB's Session and @clickhouse/client both give it. */
export interface ClickHouseSql {
  /** One statement; values bound to `{name:Type}` placeholders. */
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}

export interface TickStore {
  readonly engine: string;
  /** Connects; the schema comes from migrations (src/migrations), not from here. */
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** The connection migrations run on, for adapters on ClickHouse; throws before start. */
  clickhouseSql?(): ClickHouseSql;
  /** Appends ticks as given; deduplication is the caller's (see ingest/). */
  insert(ticks: readonly StoredTick[]): Promise<void>;
  /**
   * Appends ticks as the log's records hold them (RowBinary rows, row-binary-ticks.ts), without
   * a tick object made for them; refuses, storing none, parts that are not their count of rows.
   */
  insertRowBinary(parts: readonly RowBinaryTicks[]): Promise<void>;
  /** Stored ticks of these symbols with time in [from, to], for duplicate checks. */
  ticksBetween(symbols: readonly string[], from: number, to: number): Promise<StoredTick[]>;
  /**
   * Per symbol, the time of its newest stored tick in [from, to]; symbols with none are absent.
   * Tells, cheaply, which ticks of a batch (from its oldest to its newest) could repeat stored ones.
   */
  newestBetween(symbols: readonly string[], from: number, to: number): Promise<Map<string, number>>;
  /**
   * Per symbol, the time of its oldest stored tick after `after`; symbols with none are absent.
   * Tells where the stored ticks resume above a time: below that, a history import adds to a gap.
   */
  oldestAfter(symbols: readonly string[], after: number): Promise<Map<string, number>>;
  /**
   * Ticks of these symbols with afterSeq < seq <= uptoSeq, in seq order (the order they were
   * accepted, within a stream partition): what a resumed subscription missed.
   */
  acceptedAfter(symbols: readonly string[], afterSeq: number, uptoSeq: number, limit: number): Promise<StoredTick[]>;
  /** Newest tick of each symbol, in the order of `symbols`; null where a symbol has none. */
  latest(symbols: readonly string[]): Promise<(StoredTick | null)[]>;
  /** Newest first. */
  page(query: TickPageQuery): Promise<StoredTick[]>;
  /** Oldest first. */
  candles(query: CandleQuery): Promise<Candle[]>;
  /** The last `count` bucket closes of each symbol since `since`, oldest first; symbols without ticks are left out. */
  recentCloses(symbols: readonly string[], interval: CandleInterval, count: number, since: number): Promise<SymbolCloses[]>;
  /** Correlation of bucket returns for every pair of symbols with at least `minPoints` common buckets since `since`. */
  correlations(interval: CandleInterval, since: number, minPoints: number): Promise<PairCorrelation[]>;
  /** Highest `seq` stored, 0 when empty. */
  maxSeq(): Promise<number>;
  count(): Promise<number>;
}
