import type { SqlClient } from './sql-client.js';

/**
 * The SqlClient of one Postgres-backed store (relational, graph, vector) across its
 * lifecycle. A start that failed (server down) is retried on the same store, so the client
 * is opened once and reused rather than one leaked per attempt. A store that shares the
 * embedded PGlite client does not own it and leaves it open on close.
 */
export function holdClient(store: string, connect: () => Promise<SqlClient>, ownsClient = true) {
  let client: SqlClient | undefined;
  const open = async (): Promise<SqlClient> => (client ??= await connect());
  return {
    open,
    /**
     * Opens the client and proves the database answers. The schema comes from migrations
     * (src/migrations), applied before the store is used. A `pg` pool connects lazily, so
     * without the query a server that is down would pass, and the gateway would not retry it.
     */
    async start(): Promise<void> {
      await (await open()).query('SELECT 1');
    },
    db(): SqlClient {
      if (!client) throw new Error(`${store} store is not started`);
      return client;
    },
    async ping(): Promise<void> {
      if (!client) throw new Error(`${store} store is not started`);
      await client.query('SELECT 1');
    },
    async close(): Promise<void> {
      if (ownsClient) await client?.close();
      client = undefined;
    },
  };
}
