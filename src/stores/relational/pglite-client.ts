import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import type { SqlClient } from './sql-client.js';

/** Postgres compiled to wasm, persisting to `dataDir`. pgvector is loaded for the vector store. */
export async function openPglite(dataDir: string): Promise<SqlClient> {
  mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, { extensions: { vector } });
  return {
    async query<T>(text: string, params: readonly unknown[] = []) {
      const result = await db.query<T>(text, params as unknown[]);
      return { rows: result.rows };
    },
    async exec(text: string) {
      await db.exec(text);
    },
    async transaction(work) {
      return db.transaction((tx) =>
        work({
          async query<T>(text: string, params: readonly unknown[] = []) {
            const result = await tx.query<T>(text, params as unknown[]);
            return { rows: result.rows };
          },
          async exec(text: string) {
            await tx.exec(text);
          },
        }),
      );
    },
    async close() {
      await db.close();
    },
  };
}
