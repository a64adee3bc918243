import { mkdirSync } from 'node:fs';
import { Session } from 'chdb';
import type { TickStore } from './tick-store.js';
import { TICK_COLUMNS, TICKS_TABLE, type Sql } from './ticks-sql.js';
import { tickReads } from './tick-queries.js';
import { ticksToTabSeparated } from './tick-rows.js';

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
      // The table comes from migrations/ticks (src/migrations), applied before the store is used.
      session = new Session(dataDir);
    },
    clickhouseSql: () => ({
      async command(sql, params = {}) {
        await open().queryBindAsync(sql, params);
      },
      query: (sql, params = {}) => rows({ query: sql, params }),
    }),
    async ping() {
      await open().queryAsync('SELECT 1');
    },
    async close() {
      session?.close();
      session = undefined;
    },
    async insert(ticks) {
      if (ticks.length === 0) return;
      await open().insert({ table: TICKS_TABLE, columns: TICK_COLUMNS, values: ticksToTabSeparated(ticks), format: 'TabSeparated' });
    },
    ...tickReads(rows),
  };
}
