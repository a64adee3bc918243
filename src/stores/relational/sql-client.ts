/**
 * The shape both PGlite and a `pg` pool offer. The relational store is written against
 * this, so the same SQL runs on Postgres in wasm and on a PostgreSQL server.
 */
export interface SqlClient {
  query<T>(text: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
  /** Several statements, no parameters (schema set-up). */
  exec(text: string): Promise<void>;
  close(): Promise<void>;
}
