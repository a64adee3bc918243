import type { CandleInterval, CandleQuery, TickPageQuery } from './tick-store.js';

/**
 * ClickHouse SQL shared by the embedded engine (chDB) and the server adapter
 * (@clickhouse/client over HTTP). Every value is a `{name:Type}` query parameter;
 * times travel as epoch milliseconds (Int64) and are converted in SQL.
 */

export const TICKS_TABLE = 'ticks';

export const TICK_COLUMNS = ['symbol', 'time', 'bid', 'ask', 'last', 'volume', 'flags', 'seq'] as const;

// Output aliases never reuse a column name: ClickHouse resolves a name to the alias first,
// so `... AS time` would change what `time` means in WHERE and ORDER BY.
const selectTick = `symbol, toUnixTimestamp64Milli(time) AS time_ms, bid, ask, last, volume, flags, seq`;
const ms = (param: string) => `fromUnixTimestamp64Milli({${param}:Int64}, 'UTC')`;

export interface Sql {
  query: string;
  params: Record<string, unknown>;
}

export function ticksBetweenSql(symbols: readonly string[], from: number, to: number): Sql {
  return {
    query: `SELECT ${selectTick} FROM ${TICKS_TABLE}
      WHERE symbol IN {symbols:Array(String)} AND time >= ${ms('from')} AND time <= ${ms('to')}`,
    params: { symbols, from, to },
  };
}

export function newestBetweenSql(symbols: readonly string[], from: number, to: number): Sql {
  return {
    query: `SELECT symbol, toUnixTimestamp64Milli(max(time)) AS time_ms FROM ${TICKS_TABLE}
      WHERE symbol IN {symbols:Array(String)} AND time >= ${ms('from')} AND time <= ${ms('to')} GROUP BY symbol`,
    params: { symbols, from, to },
  };
}

export function oldestAfterSql(symbols: readonly string[], after: number): Sql {
  return {
    query: `SELECT symbol, toUnixTimestamp64Milli(min(time)) AS time_ms FROM ${TICKS_TABLE}
      WHERE symbol IN {symbols:Array(String)} AND time > ${ms('after')} GROUP BY symbol`,
    params: { symbols, after },
  };
}

export function acceptedAfterSql(symbols: readonly string[], afterSeq: number, uptoSeq: number, limit: number): Sql {
  return {
    query: `SELECT ${selectTick} FROM ${TICKS_TABLE}
      WHERE symbol IN {symbols:Array(String)} AND seq > {afterSeq:Int64} AND seq <= {uptoSeq:Int64}
      ORDER BY seq LIMIT {limit:UInt32}`,
    params: { symbols, afterSeq, uptoSeq, limit },
  };
}

export function latestSql(symbols: readonly string[]): Sql {
  return {
    query: `SELECT ${selectTick} FROM ${TICKS_TABLE}
      WHERE symbol IN {symbols:Array(String)}
      ORDER BY symbol, time DESC, seq DESC LIMIT 1 BY symbol`,
    params: { symbols },
  };
}

export function pageSql(q: TickPageQuery): Sql {
  const where = ['symbol = {symbol:String}'];
  const params: Record<string, unknown> = { symbol: q.symbol, limit: q.limit };
  if (q.from !== undefined) (where.push(`time >= ${ms('from')}`), (params.from = q.from));
  if (q.to !== undefined) (where.push(`time <= ${ms('to')}`), (params.to = q.to));
  if (q.before) {
    where.push(`(time, seq) < (${ms('beforeTime')}, {beforeSeq:UInt64})`);
    params.beforeTime = q.before.time;
    params.beforeSeq = q.before.seq;
  }
  return {
    query: `SELECT ${selectTick} FROM ${TICKS_TABLE} WHERE ${where.join(' AND ')}
      ORDER BY time DESC, seq DESC LIMIT {limit:UInt32}`,
    params,
  };
}

const BUCKET: Record<CandleInterval, string> = {
  M1: 'INTERVAL 1 MINUTE',
  M5: 'INTERVAL 5 MINUTE',
  M15: 'INTERVAL 15 MINUTE',
  M30: 'INTERVAL 30 MINUTE',
  H1: 'INTERVAL 1 HOUR',
  H4: 'INTERVAL 4 HOUR',
  D1: 'INTERVAL 1 DAY',
};

/**
 * OHLC of the bid per bucket. Open and close are the bid of the first and last tick by
 * (time, seq), so two ticks in one millisecond still have a defined order.
 * Without `from` the newest `limit` buckets are wanted, so they are picked newest first
 * and re-sorted oldest first.
 */
export function candlesSql(q: CandleQuery): Sql {
  const where = ['symbol = {symbol:String}'];
  const params: Record<string, unknown> = { symbol: q.symbol, limit: q.limit };
  if (q.from !== undefined) (where.push(`time >= ${ms('from')}`), (params.from = q.from));
  if (q.to !== undefined) (where.push(`time < ${ms('to')}`), (params.to = q.to));
  const pickNewest = q.from === undefined;
  const inner = `SELECT toUnixTimestamp64Milli(toDateTime64(toStartOfInterval(time, ${BUCKET[q.interval]}), 3, 'UTC')) AS bucket,
      argMin(bid, (time, seq)) AS o, max(bid) AS h, min(bid) AS l,
      argMax(bid, (time, seq)) AS c, sum(ifNull(volume, 0)) AS v, toUInt32(count()) AS n
    FROM ${TICKS_TABLE} WHERE ${where.join(' AND ')}
    GROUP BY bucket ORDER BY bucket ${pickNewest ? 'DESC' : 'ASC'} LIMIT {limit:UInt32}`;
  return {
    query: pickNewest ? `SELECT * FROM (${inner}) ORDER BY bucket ASC` : inner,
    params,
  };
}

/** The last `count` bucket closes (bid) per symbol since `since`, oldest first. */
export function recentClosesSql(symbols: readonly string[], interval: CandleInterval, count: number, since: number): Sql {
  return {
    query: `SELECT symbol, arrayMap(x -> x.2, arraySort(x -> x.1, groupArray((bucket, close)))) AS closes FROM (
        SELECT symbol, toStartOfInterval(time, ${BUCKET[interval]}) AS bucket, argMax(bid, (time, seq)) AS close
        FROM ${TICKS_TABLE} WHERE symbol IN {symbols:Array(String)} AND time >= ${ms('since')}
        GROUP BY symbol, bucket ORDER BY symbol, bucket DESC LIMIT {count:UInt32} BY symbol
      ) GROUP BY symbol`,
    params: { symbols, count, since },
  };
}

/**
 * Pearson correlation of bucket returns (close over previous close, minus 1) for every pair
 * of symbols with at least `minPoints` common buckets since `since`. Computed by ClickHouse's
 * `corr`; each pair once, a < b.
 */
export function correlationsSql(interval: CandleInterval, since: number, minPoints: number): Sql {
  return {
    query: `WITH closes AS (
        SELECT symbol, toStartOfInterval(time, ${BUCKET[interval]}) AS bucket, argMax(bid, (time, seq)) AS close
        FROM ${TICKS_TABLE} WHERE time >= ${ms('since')}
        GROUP BY symbol, bucket
      ), returns AS (
        SELECT symbol, bucket,
          close / lagInFrame(close) OVER (PARTITION BY symbol ORDER BY bucket ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) - 1 AS ret,
          row_number() OVER (PARTITION BY symbol ORDER BY bucket) AS n
        FROM closes
      )
      SELECT a.symbol AS a, b.symbol AS b, corr(a.ret, b.ret) AS coefficient, count() AS points
      FROM (SELECT * FROM returns WHERE n > 1) AS a
      INNER JOIN (SELECT * FROM returns WHERE n > 1) AS b ON a.bucket = b.bucket
      WHERE a.symbol < b.symbol
      GROUP BY a, b HAVING points >= {minPoints:UInt32} AND isFinite(coefficient)
      ORDER BY a, b`,
    params: { since, minPoints },
  };
}

export const maxSeqSql = `SELECT max(seq) AS seq FROM ${TICKS_TABLE}`;
export const countSql = `SELECT count() AS n FROM ${TICKS_TABLE}`;
