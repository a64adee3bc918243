import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { TickStore } from './tick-store.js';
import { TICK_COLUMNS, TICKS_TABLE, type Sql } from './ticks-sql.js';
import { tickReads } from './tick-queries.js';
import { rowBinaryWithSeq } from './row-binary-ticks.js';
import { ticksToRowBinary } from './tick-rows.js';

export interface ClickHouseTickStoreOptions {
  /** Server HTTP(S) interface, e.g. `http://localhost:8123`. */
  url: string;
  /** Created by start() when missing. */
  database: string;
  username: string;
  password: string;
  /** Per HTTP request, in milliseconds. */
  requestTimeoutMs: number;
}

/**
 * Ticks in a ClickHouse server over its HTTP interface. Runs the same SQL as the embedded
 * adapter (ticks-sql.ts); every value travels as a `param_<name>` URL parameter that the
 * server binds to its `{name:Type}` placeholder, so no value is ever spliced into SQL text.
 */
export function createClickHouseTickStore(options: ClickHouseTickStoreOptions): TickStore {
  const { url, database, username, password, requestTimeoutMs } = options;
  const origin = new URL(url);
  // No credentials: this ends up in logs and health output.
  const where = `${origin.protocol}//${origin.host}/${database}`;
  let client: ClickHouseClient | undefined;

  const connect = (db: string) =>
    createClient({
      url,
      database: db,
      username,
      password,
      request_timeout: requestTimeoutMs,
      // The client's defaults, stated so an upgrade does not change what goes over the wire.
      // Turning on request compression would shrink large JSONEachRow inserts; not measured yet.
      compression: { request: false, response: false },
      // Failures reach the caller as rejections and are logged once, at the GraphQL edge.
      log: { level: ClickHouseLogLevel.OFF },
    });

  /**
   * One request for a whole insert: the query goes in the URL, the rows stream as the body, in
   * RowBinary (tick-rows.ts), which the server copies rather than parses.
   */
  async function insertRowBinaryBody(body: Buffer): Promise<void> {
    const result = await open().exec({ query: INSERT_ROW_BINARY, values: Readable.from([body], { objectMode: false }) });
    result.stream.resume();
    await finished(result.stream);
  }

  function open(): ClickHouseClient {
    if (!client) throw new Error('clickhouse tick store is not started');
    return client;
  }

  async function rows<T>(sql: Sql): Promise<T[]> {
    const result = await open().query({ query: sql.query, query_params: sql.params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  return {
    engine: `clickhouse ${where}`,
    async start() {
      try {
        // The server rejects every request that names a database which does not exist yet,
        // so the database is created through a connection to `default`.
        if (database !== 'default') {
          const bootstrap = connect('default');
          try {
            await bootstrap.command({ query: 'CREATE DATABASE IF NOT EXISTS {db:Identifier}', query_params: { db: database } });
          } finally {
            await bootstrap.close();
          }
        }
        // The table comes from migrations/ticks (src/migrations), applied after start. Creating the
        // client does not connect, so ping: a server that is down fails start, as before.
        client = connect(database);
        const result = await client.ping();
        if (!result.success) throw result.error;
      } catch (err) {
        await client?.close();
        client = undefined;
        if (err instanceof ClickHouseError) throw err;
        throw new Error(`ClickHouse at ${where} is unreachable: ${(err as Error).message}`, { cause: err });
      }
    },
    clickhouseSql: () => ({
      async command(sql, params) {
        await open().command({ query: sql, query_params: params });
      },
      query: (sql, params) => rows({ query: sql, params: params ?? {} }),
    }),
    async ping() {
      const result = await open().ping();
      if (!result.success) throw result.error;
    },
    async close() {
      await client?.close();
      client = undefined;
    },
    async insert(ticks) {
      if (ticks.length > 0) await insertRowBinaryBody(ticksToRowBinary(ticks));
    },
    async insertRowBinary(parts) {
      if (parts.length > 0) await insertRowBinaryBody(rowBinaryWithSeq(parts));
    },
    ...tickReads(rows),
  };
}

const INSERT_ROW_BINARY = `INSERT INTO ${TICKS_TABLE} (${TICK_COLUMNS.join(', ')}) FORMAT RowBinary`;
