import weaviate from 'weaviate-client';
import type { WeaviateMigrationContext } from '../../src/migrations/module-target.js';

/** Dropping the collection drops every pattern. */
export const destructive = { up: false, down: true };

/**
 * The patterns collection: three exact-match text properties and one self-provided vector
 * ('default', HNSW, cosine). Its length is not schema: Weaviate takes it from the first vector
 * written, and the store checks it against PATTERN_LENGTH at start. Idempotent: a collection
 * that exists (say, made by an older gateway at start-up) is left as it is.
 */
export async function up({ client, collection }: WeaviateMigrationContext): Promise<void> {
  if (await client.collections.exists(collection)) return;
  // Exact-match text: the default 'word' tokenization would let 'EUR' match the symbol 'EUR/USD'.
  const text = { dataType: 'text', indexFilterable: true, indexSearchable: false, tokenization: 'field' } as const;
  try {
    await client.collections.create({
      name: collection,
      properties: [
        { name: 'symbol', ...text },
        { name: 'interval', ...text },
        { name: 'assetClass', ...text },
      ],
      vectorizers: weaviate.configure.vectors.selfProvided({
        name: 'default',
        vectorIndexConfig: weaviate.configure.vectorIndex.hnsw({ distanceMetric: 'cosine' }),
      }),
    });
  } catch (error) {
    // Another gateway created it between our check and our create: that is the state we wanted.
    if (!(await client.collections.exists(collection))) throw error;
  }
}

export async function down({ client, collection }: WeaviateMigrationContext): Promise<void> {
  if (await client.collections.exists(collection)) await client.collections.delete(collection);
}
