import pg from 'pg';
import type { SqlClient } from './sql-client.js';

export interface PgPoolOptions {
  /** `postgres://user:password@host:port/database`; query parameters such as `options` pass through to `pg`. */
  url: string;
  /** Most connections open at once. */
  poolSize: number;
  /** The server cancels a statement running longer than this (milliseconds). */
  statementTimeoutMs: number;
  /** Waiting for a connection, from the pool or a new one, fails after this (milliseconds). */
  connectTimeoutMs: number;
}

// The server's own statement_timeout should win, since it cancels cleanly and keeps the
// connection. The client-side timeout is for a server that does not answer at all (frozen, or
// its host unreachable); it fires this long after the server's.
const CLIENT_TIMEOUT_MARGIN_MS = 1_000; // 1 second
const IDLE_CONNECTION_MS = 30_000; // 30 seconds

/**
 * A PostgreSQL server through a `pg` pool. The pool connects lazily: opening it never fails,
 * so a gateway can start while the server is down, report it on /readyz, and recover by itself
 * when the server is back (every query checks out a live connection or opens a new one).
 */
export async function openPgPool({ url, poolSize, statementTimeoutMs, connectTimeoutMs }: PgPoolOptions): Promise<SqlClient> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: IDLE_CONNECTION_MS,
    // Finds a connection whose server vanished without a FIN (host down, network cut).
    keepAlive: true,
    application_name: 'marketgraph',
  });
  // An idle connection that breaks (server restart, admin shutdown 57P01) is emitted here. The
  // pool has already dropped it and the next query opens a new one; without a listener the
  // 'error' event would crash the process. Failures that matter surface in queries and ping.
  pool.on('error', () => {});

  return {
    async query<T>(text: string, params: readonly unknown[] = []) {
      const result = await pool.query(text, params as unknown[]);
      return { rows: result.rows as T[] };
    },
    async exec(text: string) {
      // No values: pg uses the simple query protocol, which accepts several statements.
      await pool.query(text);
    },
    async transaction(work) {
      const connection = await pool.connect();
      let broken: Error | undefined;
      try {
        await connection.query('BEGIN');
        const result = await work({
          async query<T>(text: string, params: readonly unknown[] = []) {
            const rows = await connection.query(text, params as unknown[]);
            return { rows: rows.rows as T[] };
          },
          async exec(text: string) {
            await connection.query(text);
          },
        });
        await connection.query('COMMIT');
        return result;
      } catch (error) {
        // A connection whose ROLLBACK fails is in an unknown state: release(error) destroys it.
        await connection.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw error;
      } finally {
        connection.release(broken);
      }
    },
    async close() {
      if (!pool.ended) await pool.end();
    },
  };
}
