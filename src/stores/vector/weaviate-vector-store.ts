import weaviate, { ApiKey, Filters, generateUuid5, type Collection, type FilterValue, type WeaviateClient } from 'weaviate-client';
import { checkK, checkVector, type Neighbour, type Pattern, type VectorStore } from './vector-store.js';

export interface WeaviateVectorStoreOptions {
  /** REST endpoint, `http://host:port` or `https://host:port`; gRPC is reached on the same host. */
  url: string;
  /** Weaviate's gRPC port (its default is 50051); queries and batch writes go over gRPC. */
  grpcPort: number;
  /** Sent as a bearer token when set; none for a server with anonymous access. */
  apiKey?: string;
  /** Collection holding the patterns (default 'PricePattern'). */
  collection?: string;
  /** Length of every vector. */
  dimensions: number;
  /** Each REST or gRPC request fails after this (milliseconds). */
  requestTimeoutMs: number;
}

// A type alias, not an interface: the client's Properties constraint needs an implicit index signature.
type PatternProperties = {
  symbol: string;
  interval: string;
  assetClass: string;
};

// Our vectors are self-provided, so the collection has one named vector and no vectorizer.
const VECTOR = 'default';

/**
 * Price patterns in Weaviate over its REST (schema, readiness) and gRPC (writes, searches) APIs.
 * An object's id is the uuid5 of `symbol:interval`, so writing a pattern again replaces it.
 */
export function createWeaviateVectorStore(options: WeaviateVectorStoreOptions): VectorStore {
  const { url, grpcPort, apiKey, collection: name = 'PricePattern', dimensions, requestTimeoutMs } = options;
  let client: WeaviateClient | undefined;
  const patterns = (): Collection<PatternProperties> => {
    if (!client) throw new Error('vector store is not started');
    return client.collections.use<string, PatternProperties>(name);
  };

  const connect = () => {
    const http = new URL(url);
    const secure = http.protocol === 'https:';
    const seconds = requestTimeoutMs / 1_000; // the client takes its timeouts in seconds
    return weaviate.connectToCustom({
      httpHost: http.hostname,
      httpPort: Number(http.port) || (secure ? 443 : 80),
      httpPath: http.pathname === '/' ? undefined : http.pathname,
      httpSecure: secure,
      grpcHost: http.hostname,
      grpcPort,
      grpcSecure: secure,
      authCredentials: apiKey ? new ApiKey(apiKey) : undefined,
      timeout: { init: seconds, query: seconds, insert: seconds },
    });
  };

  return {
    engine: `weaviate ${url}`,
    dimensions,
    weaviateClient() {
      if (!client) throw new Error('vector store is not started');
      return { client, collection: name, dimensions };
    },
    async start() {
      // A start that failed (server down) is retried on the same object: keep a client that connected.
      client ??= await connect();
      await createCollection(client, name);
      const [stored] = (await patterns().query.fetchObjects({ limit: 1, includeVector: true, returnProperties: [] })).objects;
      const existing = stored && vectorOf(stored.vectors).length;
      if (existing !== undefined && existing !== dimensions) {
        throw new Error(`Weaviate collection ${name} holds vectors of ${existing} dimensions, but this store is configured for ${dimensions}`);
      }
    },
    async ping() {
      if (!client) throw new Error('vector store is not started');
      if (!(await client.isReady())) throw new Error(`Weaviate at ${url} is not ready`);
    },
    async close() {
      await client?.close();
      client = undefined;
    },

    async upsertPatterns(input) {
      const rows = lastPerKey(input);
      rows.forEach((p) => checkVector(p.vector, dimensions));
      if (rows.length === 0) return 0;
      // One gRPC request for the batch. Measured with client 3.12.1: any batch of two or more
      // objects takes at least 0.5 s, because the client serialises objects one timer tick at a
      // time and polls for the result every 500 ms (Serialize.batchObjects); 1,000 objects, 1.9 s.
      const result = await patterns().data.insertMany(
        rows.map((p) => ({
          id: patternId(p.symbol, p.interval),
          properties: { symbol: p.symbol, interval: p.interval, assetClass: p.assetClass },
          vectors: { [VECTOR]: [...p.vector] },
        })),
      );
      // A batch reports failures per object and resolves anyway: a partial write must not pass as success.
      if (result.hasErrors) {
        const errors = Object.entries(result.errors);
        const [index, first] = errors[0]!;
        const p = rows[Number(index)]!;
        throw new Error(`Weaviate rejected ${errors.length} of ${rows.length} patterns; ${p.symbol} ${p.interval}: ${first.message}`);
      }
      return rows.length;
    },

    async nearest(queries) {
      queries.forEach((q) => {
        checkVector(q.vector, dimensions);
        checkK(q.k);
      });
      const collection = patterns();
      const where = collection.filter;
      // The v3 client (and Weaviate's gRPC Search) takes one query per request and has no batched
      // search, so a batch is sent as concurrent requests, multiplexed on the one HTTP/2 connection.
      return Promise.all(
        queries.map((q) =>
          search(collection, q.vector, q.k, [
            where.byProperty('interval').equal(q.interval),
            ...(q.assetClass === undefined ? [] : [where.byProperty('assetClass').equal(q.assetClass)]),
          ]),
        ),
      );
    },

    async similarTo(queries) {
      queries.forEach((q) => checkK(q.k));
      if (queries.length === 0) return [];
      const collection = patterns();
      const where = collection.filter;
      // The stored vectors of the whole batch in one request; a symbol without one answers [].
      const ids = [...new Set(queries.map((q) => patternId(q.symbol, q.interval)))];
      const { objects } = await collection.query.fetchObjects({
        filters: where.byId().containsAny(ids),
        limit: ids.length,
        includeVector: [VECTOR],
        returnProperties: [],
      });
      const vectors = new Map(objects.map((o) => [o.uuid, vectorOf(o.vectors)]));
      // Then one concurrent search per query (see nearest), the symbol itself filtered out by the server.
      return Promise.all(
        queries.map((q) => {
          const vector = vectors.get(patternId(q.symbol, q.interval));
          if (!vector) return [];
          return search(collection, vector, q.k, [
            where.byProperty('interval').equal(q.interval),
            where.byProperty('symbol').notEqual(q.symbol),
          ]);
        }),
      );
    },
  };
}

async function createCollection(client: WeaviateClient, name: string): Promise<void> {
  if (await client.collections.exists(name)) return;
  // Exact-match text: the default 'word' tokenization would let 'EUR' match the symbol 'EUR/USD'.
  const text = { dataType: 'text', indexFilterable: true, indexSearchable: false, tokenization: 'field' } as const;
  try {
    await client.collections.create<PatternProperties>({
      name,
      properties: [
        { name: 'symbol', ...text },
        { name: 'interval', ...text },
        { name: 'assetClass', ...text },
      ],
      vectorizers: weaviate.configure.vectors.selfProvided({
        name: VECTOR,
        vectorIndexConfig: weaviate.configure.vectorIndex.hnsw({ distanceMetric: 'cosine' }),
      }),
    });
  } catch (error) {
    // Another gateway created it between our check and our create: that is the state we wanted.
    if (!(await client.collections.exists(name))) throw error;
  }
}

async function search(collection: Collection<PatternProperties>, vector: readonly number[], k: number, filters: FilterValue[]): Promise<Neighbour[]> {
  if (k === 0) return [];
  const { objects } = await collection.query.nearVector([...vector], {
    limit: k,
    filters: Filters.and(...filters),
    returnMetadata: ['distance'],
    returnProperties: ['symbol'],
  });
  return objects.map((o) => ({ symbol: o.properties.symbol, distance: o.metadata?.distance ?? Number.NaN }));
}

function vectorOf(vectors: Record<string, unknown>): number[] {
  const vector = vectors[VECTOR];
  if (!Array.isArray(vector)) throw new Error(`Weaviate returned no '${VECTOR}' vector`);
  return vector as number[];
}

function patternId(symbol: string, interval: string): string {
  return generateUuid5(`${symbol}:${interval}`);
}

// Two writes of one key in a batch: keep the last, as sequential upserts would.
function lastPerKey(patterns: readonly Pattern[]): Pattern[] {
  return [...new Map(patterns.map((p) => [patternId(p.symbol, p.interval), p])).values()];
}

