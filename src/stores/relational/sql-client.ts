/** What a transaction's work may run: the same calls as the client, on one connection. */
export interface SqlQueries {
  query<T>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
  /** Several statements, no parameters (schema set-up). */
  exec(text: string): Promise<void>;
}

/**
 * The shape both PGlite and a `pg` pool offer. The relational store is written against
 * this, so the same SQL runs on Postgres in wasm and on a PostgreSQL server.
 */
export interface SqlClient extends SqlQueries {
  /**
   * Runs `work` in one transaction on one connection: committed when it resolves, rolled back
   * when it throws (the error is re-thrown). Migrations use it so that a failed one leaves no trace.
   */
  transaction<T>(work: (tx: SqlQueries) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
