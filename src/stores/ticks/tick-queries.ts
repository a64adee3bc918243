import type { TickStore } from './tick-store.js';
import {
  acceptedAfterSql,
  candlesSql,
  correlationsSql,
  countSql,
  latestSql,
  maxSeqSql,
  newestBetweenSql,
  oldestAfterSql,
  pageSql,
  recentClosesSql,
  ticksBetweenSql,
  type Sql,
} from './ticks-sql.js';
import { rowToCandle, rowToTick, type CandleRow, type TickRow } from './tick-rows.js';

/** Runs one parameterized statement and returns its rows as JSONEachRow objects. */
export type RunRows = <T>(sql: Sql) => Promise<T[]>;

type TickReads = Pick<
  TickStore,
  'ticksBetween' | 'newestBetween' | 'oldestAfter' | 'acceptedAfter' | 'latest' | 'page' | 'candles' | 'recentCloses' | 'correlations' | 'maxSeq' | 'count'
>;

/**
 * The read side of the tick store, written once: the chDB and the HTTP adapter differ only
 * in how they run a statement (`rows`).
 */
export function tickReads(rows: RunRows): TickReads {
  return {
    async ticksBetween(symbols, from, to) {
      return (await rows<TickRow>(ticksBetweenSql(symbols, from, to))).map(rowToTick);
    },
    async newestBetween(symbols, from, to) {
      const found = await rows<{ symbol: string; time_ms: number | string }>(newestBetweenSql(symbols, from, to));
      return new Map(found.map((r) => [r.symbol, Number(r.time_ms)]));
    },
    async oldestAfter(symbols, after) {
      const found = await rows<{ symbol: string; time_ms: number | string }>(oldestAfterSql(symbols, after));
      return new Map(found.map((r) => [r.symbol, Number(r.time_ms)]));
    },
    async acceptedAfter(symbols, afterSeq, uptoSeq, limit) {
      return (await rows<TickRow>(acceptedAfterSql(symbols, afterSeq, uptoSeq, limit))).map(rowToTick);
    },
    async latest(symbols) {
      const found = new Map((await rows<TickRow>(latestSql(symbols))).map((r) => [r.symbol, rowToTick(r)]));
      return symbols.map((s) => found.get(s) ?? null);
    },
    async page(query) {
      return (await rows<TickRow>(pageSql(query))).map(rowToTick);
    },
    async candles(query) {
      return (await rows<CandleRow>(candlesSql(query))).map(rowToCandle);
    },
    async recentCloses(symbols, interval, count, since) {
      return rows<{ symbol: string; closes: number[] }>(recentClosesSql(symbols, interval, count, since));
    },
    async correlations(interval, since, minPoints) {
      const found = await rows<{ a: string; b: string; coefficient: number; points: number | string }>(
        correlationsSql(interval, since, minPoints),
      );
      return found.map((r) => ({ a: r.a, b: r.b, coefficient: r.coefficient, points: Number(r.points) }));
    },
    async maxSeq() {
      const [row] = await rows<{ seq: number | string | null }>({ query: maxSeqSql, params: {} });
      return Number(row?.seq ?? 0);
    },
    async count() {
      const [row] = await rows<{ n: number | string }>({ query: countSql, params: {} });
      return Number(row?.n ?? 0);
    },
  };
}
