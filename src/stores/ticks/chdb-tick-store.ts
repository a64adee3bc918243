import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import type { Candle, CandleQuery, StoredTick, TickPageQuery, TickStore } from './tick-store.js';
import {
  TICKS_TABLE,
  candlesSql,
  countSql,
  createTicksTable,
  latestSql,
  maxSeqSql,
  pageSql,
  ticksBetweenSql,
  type Sql,
} from './ticks-sql.js';
import { rowToCandle, rowToTick, ticksToJsonEachRow, type CandleRow, type TickRow } from './tick-rows.js';

/**
 * Ticks in ClickHouse's own engine, in-process (chDB). Queries run off the event loop
 * (`queryBindAsync`), so a long candle query does not stall other requests.
 */
export function createChdbTickStore(dataDir: string): TickStore {
  let session: Session | undefined;

  function open(): Session {
    if (!session) throw new Error('chdb tick store is not started');
    return session;
  }

  async function rows<T>(sql: Sql): Promise<T[]> {
    const result = await open().queryBindAsync(sql.query, sql.params, { format: 'JSONEachRow' });
    const text = result.text();
    return text ? text.trimEnd().split('\n').map((line) => JSON.parse(line) as T) : [];
  }

  return {
    engine: `chdb ${dataDir}`,
    async start() {
      mkdirSync(dataDir, { recursive: true });
      session = new Session(dataDir);
      await session.queryAsync(createTicksTable);
    },
    async ping() {
      await open().queryAsync('SELECT 1');
    },
    async close() {
      session?.close();
      session = undefined;
    },
    async insert(ticks) {
      if (ticks.length === 0) return;
      await open().insert({ table: TICKS_TABLE, values: ticksToJsonEachRow(ticks), format: 'JSONEachRow' });
    },
    async ticksBetween(symbols, from, to) {
      return (await rows<TickRow>(ticksBetweenSql(symbols, from, to))).map(rowToTick);
    },
    async latest(symbols) {
      const found = new Map((await rows<TickRow>(latestSql(symbols))).map((r) => [r.symbol, rowToTick(r)]));
      return symbols.map((s) => found.get(s) ?? null);
    },
    async page(query: TickPageQuery): Promise<StoredTick[]> {
      return (await rows<TickRow>(pageSql(query))).map(rowToTick);
    },
    async candles(query: CandleQuery): Promise<Candle[]> {
      return (await rows<CandleRow>(candlesSql(query))).map(rowToCandle);
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
