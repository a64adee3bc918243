import { z } from 'zod';

/**
 * All configuration, read from the environment in this one place, validated and frozen.
 * Every default and unit is written where it is declared.
 */
const schema = z.object({
  // production: introspection and field suggestions ("Did you mean …?") are off.
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  // Loopback by default: the embedded default has no auth yet. The container image sets 0.0.0.0.
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // A store operation slower than this is logged with its duration.
  SLOW_STORE_OP_MS: z.coerce.number().int().min(0).default(200), // milliseconds
  // Sized for a 100,000-tick insertTicks batch (~110 bytes a tick as JSON) with room to spare.
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(32 * 1024 * 1024), // 32 MiB
  MAX_TICKS_PER_INSERT: z.coerce.number().int().positive().default(100_000),
  // Demo instruments, accounts and a day of ticks on first start of an empty store.
  SEED_DEMO_DATA: z.stringbool().default(true),
  // Apply pending schema migrations of server stores at start-up (embedded stores always are);
  // without it a gateway refuses to start while a server store has pending migrations.
  MIGRATE_ON_START: z.stringbool().default(false),

  // Servers. Each store uses its embedded engine unless its URL is set.
  POSTGRES_URL: z.url().optional(),
  POSTGRES_POOL_SIZE: z.coerce.number().int().positive().default(10),
  CLICKHOUSE_URL: z.url().optional(),
  CLICKHOUSE_DATABASE: z.string().min(1).default('default'),
  CLICKHOUSE_USER: z.string().min(1).default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  REDIS_URL: z.url().optional(),
  KAFKA_BROKERS: z.string().min(1).optional(), // host:port,host:port
  KAFKA_TOPIC: z.string().min(1).default('marketgraph.ticks'),
  KAFKA_PARTITIONS: z.coerce.number().int().positive().default(3), // when the topic is created
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().positive().default(1), // when the topic is created
  KAFKA_CLIENT_ID: z.string().min(1).default('marketgraph'),
  KAFKA_SINK_GROUP: z.string().min(1).default('marketgraph-sink'),
  // The sink's fetch waits for this much data or this long: ClickHouse wants few large inserts.
  KAFKA_SINK_MIN_BYTES: z.coerce.number().int().positive().default(64 * 1024), // bytes (~600 ticks)
  KAFKA_SINK_MAX_WAIT_MS: z.coerce.number().int().positive().default(500), // milliseconds
  ARANGO_URL: z.url().optional(),
  ARANGO_DATABASE: z.string().min(1).default('marketgraph'),
  ARANGO_USER: z.string().optional(),
  ARANGO_PASSWORD: z.string().optional(),
  GRAPH_STORE: z.enum(['arangodb', 'postgres']).optional(), // default: arangodb when ARANGO_URL is set
  WEAVIATE_URL: z.url().optional(),
  WEAVIATE_GRPC_PORT: z.coerce.number().int().min(1).max(65535).default(50051),
  WEAVIATE_API_KEY: z.string().optional(),
  VECTOR_STORE: z.enum(['weaviate', 'pgvector']).optional(), // default: weaviate when WEAVIATE_URL is set
  // A price pattern is the z-scored returns of this many buckets: the vectors' length.
  PATTERN_LENGTH: z.coerce.number().int().min(4).max(1024).default(32),
  // Longest one attempt of a store operation may take before it fails with STORE_UNAVAILABLE.
  // A read that fails fast is retried once after 50 ms, so a field's worst case is about this
  // plus the time of the failed attempt.
  STORE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000), // milliseconds
  // This many failures in a row open a store's circuit: its calls then fail at once ...
  STORE_BREAKER_FAILURES: z.coerce.number().int().positive().default(5),
  // ... until, this long later, one trial call is let through; its success closes the circuit.
  STORE_BREAKER_HALF_OPEN_MS: z.coerce.number().int().positive().default(5_000), // milliseconds
});

export type Config = Readonly<{
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  slowStoreOpMs: number;
  bodyLimitBytes: number;
  maxTicksPerInsert: number;
  seedDemoData: boolean;
  migrateOnStart: boolean;
  storeTimeoutMs: number;
  breakerFailures: number;
  breakerHalfOpenMs: number;
  patternLength: number;
  graphStore: 'arangodb' | 'postgres';
  vectorStore: 'weaviate' | 'pgvector';
  arango?: Readonly<{ url: string; database: string; username?: string; password?: string }>;
  weaviate?: Readonly<{ url: string; grpcPort: number; apiKey?: string }>;
  postgres?: Readonly<{ url: string; poolSize: number }>;
  clickhouse?: Readonly<{ url: string; database: string; username: string; password: string }>;
  redis?: Readonly<{ url: string }>;
  kafka?: Readonly<{
    brokers: string[];
    topic: string;
    partitions: number;
    replicationFactor: number;
    clientId: string;
    sinkGroup: string;
    sinkMinBytes: number;
    sinkMaxWaitMs: number;
  }>;
}>;

export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // A variable set to nothing (`REDIS_URL=`, common in compose files) counts as unset.
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  if (e.GRAPH_STORE === 'arangodb' && !e.ARANGO_URL) throw new ConfigError('invalid configuration: GRAPH_STORE=arangodb needs ARANGO_URL');
  if (e.VECTOR_STORE === 'weaviate' && !e.WEAVIATE_URL) throw new ConfigError('invalid configuration: VECTOR_STORE=weaviate needs WEAVIATE_URL');
  return Object.freeze({
    production: e.NODE_ENV === 'production',
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    slowStoreOpMs: e.SLOW_STORE_OP_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    maxTicksPerInsert: e.MAX_TICKS_PER_INSERT,
    seedDemoData: e.SEED_DEMO_DATA,
    migrateOnStart: e.MIGRATE_ON_START,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    breakerFailures: e.STORE_BREAKER_FAILURES,
    breakerHalfOpenMs: e.STORE_BREAKER_HALF_OPEN_MS,
    patternLength: e.PATTERN_LENGTH,
    graphStore: e.GRAPH_STORE ?? (e.ARANGO_URL ? 'arangodb' : 'postgres'),
    vectorStore: e.VECTOR_STORE ?? (e.WEAVIATE_URL ? 'weaviate' : 'pgvector'),
    arango: e.ARANGO_URL
      ? { url: e.ARANGO_URL, database: e.ARANGO_DATABASE, username: e.ARANGO_USER, password: e.ARANGO_PASSWORD }
      : undefined,
    weaviate: e.WEAVIATE_URL ? { url: e.WEAVIATE_URL, grpcPort: e.WEAVIATE_GRPC_PORT, apiKey: e.WEAVIATE_API_KEY } : undefined,
    postgres: e.POSTGRES_URL ? { url: e.POSTGRES_URL, poolSize: e.POSTGRES_POOL_SIZE } : undefined,
    clickhouse: e.CLICKHOUSE_URL
      ? { url: e.CLICKHOUSE_URL, database: e.CLICKHOUSE_DATABASE, username: e.CLICKHOUSE_USER, password: e.CLICKHOUSE_PASSWORD }
      : undefined,
    redis: e.REDIS_URL ? { url: e.REDIS_URL } : undefined,
    kafka: e.KAFKA_BROKERS
      ? {
          brokers: e.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean),
          topic: e.KAFKA_TOPIC,
          partitions: e.KAFKA_PARTITIONS,
          replicationFactor: e.KAFKA_REPLICATION_FACTOR,
          clientId: e.KAFKA_CLIENT_ID,
          sinkGroup: e.KAFKA_SINK_GROUP,
          sinkMinBytes: e.KAFKA_SINK_MIN_BYTES,
          sinkMaxWaitMs: e.KAFKA_SINK_MAX_WAIT_MS,
        }
      : undefined,
  });
}
