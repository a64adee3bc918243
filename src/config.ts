import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { STORE_NAMES, type StoreName } from './stores/store-names.js';
import { SASL_MECHANISMS, type KafkaSecurity } from './stores/stream/kafka-security.js';
import { RECORD_FORMATS, type RecordFormat } from './stores/stream/tick-records.js';

/**
 * All configuration, read from the environment in this one place, validated and frozen.
 * Every default and unit is written where it is declared.
 */
const schema = z.object({
  // production: introspection and field suggestions ("Did you mean …?") are off.
  NODE_ENV: z.string().default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  // Loopback by default, where AUTH=auto leaves the gateway open. The container image sets 0.0.0.0.
  HOST: z.string().min(1).default('127.0.0.1'),
  // Access control (issue 6). auto: open on a loopback HOST, credentials required on any other.
  AUTH: z.enum(['auto', 'required', 'disabled']).default('auto'),
  // How long a looked-up API key is trusted: a revoked key keeps working for at most this long.
  AUTH_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000), // milliseconds; 0: no cache
  // JWTs, verified with one of: a shared HS256 secret (at least 32 characters: 256 bits), a PEM
  // public key (RS256 or ES256; `\n` may stand for line breaks) or a JWKS URL.
  AUTH_JWT_SECRET: z.string().min(32).optional(),
  AUTH_JWT_PUBLIC_KEY: z.string().min(1).optional(),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(), // required `iss` when set
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(), // required `aud` when set
  // The claim holding the roles: an array, or a string of roles separated by spaces or commas.
  AUTH_JWT_ROLES_CLAIM: z.string().min(1).default('roles'),
  // A JWT without `exp` would be valid forever (and keep a WebSocket open forever): refused
  // unless this is set (issue 13).
  AUTH_JWT_ALLOW_NO_EXP: z.stringbool().default(false),
  // While access control is off: Host names (besides loopback ones) HTTP requests may name, and
  // origins (besides the gateway's own) that may open a WebSocket. Comma-separated; DNS rebinding
  // and cross-site WebSockets are refused otherwise (issue 13). `*` allows any.
  ALLOWED_HOSTS: z.string().default(''), // e.g. `gateway.internal,10.0.0.5`
  ALLOWED_ORIGINS: z.string().default(''), // e.g. `http://localhost:5173`
  // insertTicks per credential (per remote address while auth is off): a token bucket refilled at
  // this rate. 0: no limit, the default (one gateway ingests 100,000 to 250,000 ticks/s in the bench).
  INGEST_RATE_LIMIT_TICKS_PER_S: z.coerce.number().min(0).default(0), // ticks per second
  INGEST_RATE_LIMIT_BURST: z.coerce.number().int().positive().optional(), // ticks; default: one second's worth
  DATA_DIR: z.string().min(1).default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // A store operation slower than this is logged with its duration.
  SLOW_STORE_OP_MS: z.coerce.number().int().min(0).default(200), // milliseconds
  // Sized for a 100,000-tick insertTicks batch (~110 bytes a tick as JSON) with room to spare.
  BODY_LIMIT_BYTES: z.coerce.number().int().positive().default(32 * 1024 * 1024), // 32 MiB
  MAX_TICKS_PER_INSERT: z.coerce.number().int().positive().default(100_000),
  // Node's limits on one request (issue 13). A whole request, body included, must arrive within
  // HTTP_REQUEST_TIMEOUT_MS: 32 MiB (BODY_LIMIT_BYTES) at 1 Mbit/s takes 268 s, so 300 s (node's
  // own default, written down) lets a slow link send the largest body. Headers are at most 16 KiB
  // (node's limit), a fraction of a second on any link: 10 s ends a slowloris drip six times
  // sooner than node's default of 60 s.
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(300_000), // milliseconds
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000), // milliseconds
  // Requests whose bodies are being read at once; one more is answered 503 OVERLOADED with
  // Retry-After before its body is read. Bounds buffered bodies to 16 × 32 MiB = 512 MiB (the
  // ingest bench uses 4 clients).
  HTTP_MAX_BODIES_IN_FLIGHT: z.coerce.number().int().positive().default(16),
  // Ticks accepted into the write path but not yet stored, at most. A batch that would go over
  // is refused at once (503, Retry-After) instead of queueing: under twice the load the gateway
  // can store, memory stays bounded and the bridge knows to wait. 10 of the largest batches.
  INGEST_MAX_PENDING_TICKS: z.coerce.number().int().positive().default(1_000_000),
  // The least time between the starts of two inserts into the tick store (in-process stream):
  // batches that arrive sooner wait and go in one insert. Each insert writes a part of the engine's
  // (ten files): 20 terminals sending 50 ticks every 100 ms made the engine use 113% to 121% of a
  // core with no wait, 74% to 83% with 20 ms (npm run bench -- bridges; README, "Ingest with small
  // batches"). A batch, and its ticks' way to live subscribers, waits up to this long more: with
  // 20 ms the fan-out bench's insert-to-delivery p99 was 100 and 133 ms against 94 and 69. 0, the
  // default: no wait, latency first.
  INGEST_MIN_INSERT_INTERVAL_MS: z.coerce.number().int().min(0).max(1_000).default(0), // milliseconds
  // How long after an insert into the tick store (in-process stream) the next group waits for the
  // batches of the bridges that insert answered (each sends its next batch once answered), unless
  // it has them all or 10,000 ticks. Without it, 4 bridges sending 1,000-tick batches settle into
  // groups of 2 batches taking turns, twice the inserts (README, "Ingest with small batches").
  // A lone bridge never waits. 0: no wait.
  INGEST_GROUP_WAIT_MS: z.coerce.number().int().min(0).max(1_000).default(5), // milliseconds
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
  // The in-process cache (no REDIS_URL) keeps query results (closed candle chunks) up to this
  // size, oldest dropped first; keys, values and ~160 bytes of bookkeeping an entry are counted.
  CACHE_MAX_BYTES: z.coerce.number().int().positive().default(64 * 1024 * 1024), // bytes: 64 MiB
  KAFKA_BROKERS: z.string().min(1).optional(), // host:port,host:port
  KAFKA_TOPIC: z.string().min(1).default('marketgraph.ticks'),
  KAFKA_PARTITIONS: z.coerce.number().int().positive().default(3), // when the topic is created
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().positive().default(1), // when the topic is created
  KAFKA_CLIENT_ID: z.string().min(1).default('marketgraph'),
  KAFKA_SINK_GROUP: z.string().min(1).default('marketgraph-sink'),
  // How the gateway writes ticks to the topic (tick-records.ts); every format is read either way.
  KAFKA_RECORD_FORMAT: z.enum(RECORD_FORMATS).default('rowbinary'),
  // The sink's fetch waits for this much data or this long: ClickHouse wants few large inserts.
  KAFKA_SINK_MIN_BYTES: z.coerce.number().int().positive().default(64 * 1024), // bytes (~600 ticks)
  KAFKA_SINK_MAX_WAIT_MS: z.coerce.number().int().positive().default(500), // milliseconds
  // Brokers that ask for TLS and SASL (managed Kafka services): kafka-security.ts.
  KAFKA_SSL: z.stringbool().default(false), // TLS, the brokers' certificates checked against the system's CAs
  KAFKA_SSL_CA_FILE: z.string().min(1).optional(), // PEM file of the CAs to check them against instead; implies KAFKA_SSL
  KAFKA_SSL_CERT_FILE: z.string().min(1).optional(), // PEM client certificate, for brokers that ask for one; with KAFKA_SSL_KEY_FILE; implies KAFKA_SSL
  KAFKA_SSL_KEY_FILE: z.string().min(1).optional(), // its private key (PEM)
  KAFKA_SASL_MECHANISM: z.enum(SASL_MECHANISMS).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
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
  // A subscriber whose socket has more than this unsent is dropped (closed with 4008, it may
  // resume from its last cursor) or conflated (only the newest tick per symbol is kept until
  // the socket drains), as SUBSCRIPTION_SLOW_POLICY says.
  SUBSCRIPTION_MAX_BUFFERED_BYTES: z.coerce.number().int().positive().default(1024 * 1024), // 1 MiB
  SUBSCRIPTION_SLOW_POLICY: z.enum(['drop', 'conflate']).default('drop'),
  // Most ticks a resumed subscription (`after`) replays; beyond, it is asked to re-read with the query.
  SUBSCRIPTION_REPLAY_MAX: z.coerce.number().int().positive().default(100_000),
  // WebSocket limits (issue 13; src/graphql/ws-limits.ts). A message over WS_MAX_PAYLOAD_BYTES
  // closes its socket with 1009: subscribe messages are a few hundred bytes, and insertTicks
  // batches belong on HTTP (1 MiB still holds ~9,000 ticks). ws's own default is 100 MiB.
  WS_MAX_PAYLOAD_BYTES: z.coerce.number().int().positive().default(1024 * 1024), // 1 MiB
  // Open sockets at most (one more upgrade gets 503): the fan-out bench opens 3,000.
  WS_MAX_CONNECTIONS: z.coerce.number().int().positive().default(10_000),
  // Operations running at once on one socket (the market page runs one per 100 symbols).
  WS_MAX_OPERATIONS_PER_SOCKET: z.coerce.number().int().positive().default(100),
  // A socket that sends no connection_init within this is closed with 4408 (graphql-ws's default).
  WS_CONNECTION_INIT_TIMEOUT_MS: z.coerce.number().int().positive().default(3_000), // milliseconds
  // Longest one attempt of a store operation may take before it fails with STORE_UNAVAILABLE.
  // A read that fails fast is retried once after 50 ms, so a field's worst case is about this
  // plus the time of the failed attempt.
  STORE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000), // milliseconds
  // This many failures in a row open a store's circuit: its calls then fail at once ...
  STORE_BREAKER_FAILURES: z.coerce.number().int().positive().default(5),
  // ... until, this long later, one trial call is let through; its success closes the circuit.
  STORE_BREAKER_HALF_OPEN_MS: z.coerce.number().int().positive().default(5_000), // milliseconds
  // The stores every request needs, comma-separated: /readyz is 503 while one of them is down.
  // Any other store that is down is reported as degraded (its fields answer null with
  // STORE_UNAVAILABLE) and the gateway stays ready; /readyz?strict needs every store (issue 14).
  READY_STORES: z
    .string()
    .default('relational,ticks')
    .transform((list) => [...new Set(list.split(',').map((name) => name.trim()).filter(Boolean))])
    .pipe(z.array(z.enum(STORE_NAMES)).min(1)),
  // Query limits, on HTTP and WebSocket alike (src/graphql/query-limits.ts). Sized above this
  // schema's legitimate queries (README, test/e2e) as measured: deepest 7 (accounts → positions →
  // instrument → latestTick), at most 4 aliases and no directives, largest 183 tokens (GraphiQL's
  // introspection query), costliest 20,002 (one 10,000-tick page) and 30,003 (a tick page and a
  // candle page of 10,000 each). graphql-armor's defaults are depth 6, aliases 15, directives 50,
  // tokens 1000, cost 5000; its cost does not multiply by list sizes, ours does.
  QUERY_MAX_DEPTH: z.coerce.number().int().positive().default(10), // fields from root to leaf; 9 is a tick page under an account's positions
  QUERY_MAX_ALIASES: z.coerce.number().int().min(0).default(15), // aliased fields in one operation, fragments expanded
  QUERY_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(50), // directive uses in one operation
  QUERY_MAX_TOKENS: z.coerce.number().int().positive().default(1000), // lexical tokens in the document (about 14 per literal tick: send batches as variables)
  QUERY_MAX_COST: z.coerce.number().int().positive().default(50_000), // objects the response can hold, lists counted at their page size
  // Path to an Apollo persisted query manifest: when set, only its documents run (by id or by body).
  TRUSTED_DOCUMENTS: z.string().min(1).optional(),

  // OpenTelemetry tracing (issue 14), with the variables every OpenTelemetry SDK reads
  // (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/).
  // Off unless an endpoint is set: then no SDK is loaded and no span is made.
  OTEL_SDK_DISABLED: z.stringbool().default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(), // base URL; traces go to <it>/v1/traces
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(), // the full traces URL, used as is
  // Only OTLP over HTTP with protobuf bodies is exported (Jaeger, the Collector, Tempo take it, port 4318).
  OTEL_EXPORTER_OTLP_PROTOCOL: z.literal('http/protobuf').default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z.literal('http/protobuf').optional(),
  OTEL_EXPORTER_OTLP_HEADERS: z.string().optional(), // key=value,key=value (values URL-encoded)
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: z.string().optional(), // as above; wins over it per key
  OTEL_SERVICE_NAME: z.string().min(1).default('marketgraph'),
  OTEL_RESOURCE_ATTRIBUTES: z.string().optional(), // key=value,key=value (values URL-encoded)
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1), // the ratio of the *traceidratio samplers
  // The operation latency histogram labels at most this many distinct operation names; others are
  // counted under one label value, so that clients cannot grow /metrics without bound.
  METRICS_OPERATION_NAMES_MAX: z.coerce.number().int().min(0).default(100),
});

/** Every variable the configuration reads (the deployment files are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type Config = Readonly<{
  production: boolean;
  port: number;
  host: string;
  dataDir: string;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  slowStoreOpMs: number;
  bodyLimitBytes: number;
  http: Readonly<{ requestTimeoutMs: number; headersTimeoutMs: number; maxBodiesInFlight: number }>;
  /** Names and origins allowed while access control is off, besides loopback names and the gateway's own origin. */
  allowed: Readonly<{ hosts: readonly string[]; origins: readonly string[] }>;
  webSocket: Readonly<{ maxPayloadBytes: number; maxConnections: number; maxOperationsPerSocket: number; connectionInitTimeoutMs: number }>;
  maxTicksPerInsert: number;
  ingestMaxPendingTicks: number;
  ingestMinInsertIntervalMs: number;
  ingestGroupWaitMs: number;
  seedDemoData: boolean;
  migrateOnStart: boolean;
  storeTimeoutMs: number;
  breakerFailures: number;
  subscriptions: Readonly<{ maxBufferedBytes: number; slowPolicy: 'drop' | 'conflate'; replayMax: number }>;
  breakerHalfOpenMs: number;
  /** Stores that /readyz needs up (READY_STORES); /readyz?strict needs them all. */
  readyStores: readonly StoreName[];
  patternLength: number;
  auth: AuthConfig;
  /** Absent: insertTicks is not rate-limited. */
  ingestRateLimit?: Readonly<{ ticksPerSecond: number; burst: number }>;
  queryLimits: Readonly<{ maxDepth: number; maxAliases: number; maxDirectives: number; maxTokens: number; maxCost: number }>;
  /** Path to the trusted documents manifest; absent: any document runs. */
  trustedDocuments?: string;
  /** Absent: no OTLP endpoint is set (or OTEL_SDK_DISABLED), and nothing is traced. */
  tracing?: TracingConfig;
  /** Distinct operation names the latency histogram labels; the rest share one label value. */
  metricsOperationNamesMax: number;
  graphStore: 'arangodb' | 'postgres';
  vectorStore: 'weaviate' | 'pgvector';
  arango?: Readonly<{ url: string; database: string; username?: string; password?: string }>;
  weaviate?: Readonly<{ url: string; grpcPort: number; apiKey?: string }>;
  postgres?: Readonly<{ url: string; poolSize: number }>;
  clickhouse?: Readonly<{ url: string; database: string; username: string; password: string }>;
  redis?: Readonly<{ url: string }>;
  /** Size of the in-process cache's query results, at most (bytes); unused with Redis. */
  cacheMaxBytes: number;
  kafka?: Readonly<{
    brokers: string[];
    topic: string;
    partitions: number;
    replicationFactor: number;
    clientId: string;
    sinkGroup: string;
    recordFormat: RecordFormat;
    sinkMinBytes: number;
    sinkMaxWaitMs: number;
    security: KafkaSecurity;
  }>;
}>;

export type JwtKey = { kind: 'secret'; secret: string } | { kind: 'public-key'; pem: string } | { kind: 'jwks'; url: string };

export type AuthConfig = Readonly<{
  /** Whether a request needs a credential; without, every request acts with every role. */
  required: boolean;
  /** The AUTH setting that decided `required` (with HOST), for the start-up log line. */
  setting: 'auto' | 'required' | 'disabled';
  keyCacheTtlMs: number;
  jwt?: Readonly<{ key: JwtKey; issuer?: string; audience?: string; rolesClaim: string; requireExp: boolean }>;
}>;

export type TracingConfig = Readonly<{
  /** Where spans are POSTed (OTLP/HTTP, protobuf). */
  tracesUrl: string;
  headers: Readonly<Record<string, string>>;
  serviceName: string;
  resourceAttributes: Readonly<Record<string, string>>;
  sampler: Readonly<{ name: z.infer<typeof schema>['OTEL_TRACES_SAMPLER']; ratio: number }>;
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
  // node refuses to create a server otherwise.
  if (e.HTTP_HEADERS_TIMEOUT_MS > e.HTTP_REQUEST_TIMEOUT_MS)
    throw new ConfigError('invalid configuration: HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  if (e.VECTOR_STORE === 'weaviate' && !e.WEAVIATE_URL) throw new ConfigError('invalid configuration: VECTOR_STORE=weaviate needs WEAVIATE_URL');
  return Object.freeze({
    production: e.NODE_ENV === 'production',
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    logLevel: e.LOG_LEVEL,
    slowStoreOpMs: e.SLOW_STORE_OP_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    http: {
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
      maxBodiesInFlight: e.HTTP_MAX_BODIES_IN_FLIGHT,
    },
    allowed: { hosts: list(e.ALLOWED_HOSTS).map((h) => h.toLowerCase()), origins: list(e.ALLOWED_ORIGINS).map((o) => o.toLowerCase()) },
    webSocket: {
      maxPayloadBytes: e.WS_MAX_PAYLOAD_BYTES,
      maxConnections: e.WS_MAX_CONNECTIONS,
      maxOperationsPerSocket: e.WS_MAX_OPERATIONS_PER_SOCKET,
      connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS,
    },
    maxTicksPerInsert: e.MAX_TICKS_PER_INSERT,
    ingestMaxPendingTicks: e.INGEST_MAX_PENDING_TICKS,
    ingestMinInsertIntervalMs: e.INGEST_MIN_INSERT_INTERVAL_MS,
    ingestGroupWaitMs: e.INGEST_GROUP_WAIT_MS,
    seedDemoData: e.SEED_DEMO_DATA,
    migrateOnStart: e.MIGRATE_ON_START,
    storeTimeoutMs: e.STORE_TIMEOUT_MS,
    breakerFailures: e.STORE_BREAKER_FAILURES,
    subscriptions: {
      maxBufferedBytes: e.SUBSCRIPTION_MAX_BUFFERED_BYTES,
      slowPolicy: e.SUBSCRIPTION_SLOW_POLICY,
      replayMax: e.SUBSCRIPTION_REPLAY_MAX,
    },
    breakerHalfOpenMs: e.STORE_BREAKER_HALF_OPEN_MS,
    readyStores: e.READY_STORES,
    patternLength: e.PATTERN_LENGTH,
    auth: authConfig(e),
    ingestRateLimit:
      e.INGEST_RATE_LIMIT_TICKS_PER_S > 0
        ? { ticksPerSecond: e.INGEST_RATE_LIMIT_TICKS_PER_S, burst: e.INGEST_RATE_LIMIT_BURST ?? Math.ceil(e.INGEST_RATE_LIMIT_TICKS_PER_S) }
        : undefined,
    queryLimits: {
      maxDepth: e.QUERY_MAX_DEPTH,
      maxAliases: e.QUERY_MAX_ALIASES,
      maxDirectives: e.QUERY_MAX_DIRECTIVES,
      maxTokens: e.QUERY_MAX_TOKENS,
      maxCost: e.QUERY_MAX_COST,
    },
    trustedDocuments: e.TRUSTED_DOCUMENTS,
    tracing: tracingConfig(e),
    metricsOperationNamesMax: e.METRICS_OPERATION_NAMES_MAX,
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
    cacheMaxBytes: e.CACHE_MAX_BYTES,
    kafka: e.KAFKA_BROKERS
      ? {
          brokers: e.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean),
          topic: e.KAFKA_TOPIC,
          partitions: e.KAFKA_PARTITIONS,
          replicationFactor: e.KAFKA_REPLICATION_FACTOR,
          clientId: e.KAFKA_CLIENT_ID,
          sinkGroup: e.KAFKA_SINK_GROUP,
          recordFormat: e.KAFKA_RECORD_FORMAT,
          sinkMinBytes: e.KAFKA_SINK_MIN_BYTES,
          sinkMaxWaitMs: e.KAFKA_SINK_MAX_WAIT_MS,
          security: kafkaSecurity(e),
        }
      : undefined,
  });
}

/** TLS and SASL for the Kafka clients; the CA file is read now, so that a wrong path stops the start with its name. */
function kafkaSecurity(e: z.infer<typeof schema>): KafkaSecurity {
  const { KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = e;
  if ((username !== undefined || password !== undefined) && !mechanism)
    throw new ConfigError('invalid configuration: KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM (plain, scram-sha-256 or scram-sha-512)');
  if (mechanism && (username === undefined || password === undefined))
    throw new ConfigError(`invalid configuration: KAFKA_SASL_MECHANISM=${mechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`);
  if ((e.KAFKA_SSL_CERT_FILE === undefined) !== (e.KAFKA_SSL_KEY_FILE === undefined))
    throw new ConfigError('invalid configuration: KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together (a client certificate and its key)');
  const ca = pemFile('KAFKA_SSL_CA_FILE', e.KAFKA_SSL_CA_FILE, 'CERTIFICATE');
  const cert = pemFile('KAFKA_SSL_CERT_FILE', e.KAFKA_SSL_CERT_FILE, 'CERTIFICATE');
  const key = pemFile('KAFKA_SSL_KEY_FILE', e.KAFKA_SSL_KEY_FILE, 'PRIVATE KEY');
  return {
    tls: e.KAFKA_SSL || ca !== undefined || cert !== undefined ? { ca, cert, key } : undefined,
    sasl: mechanism ? { mechanism, username: username!, password: password! } : undefined,
  };
}

/** A PEM file's text, read at start-up: one that cannot be read, or holds no such block, stops the start with its variable and path (never its content). */
function pemFile(variable: string, path: string | undefined, label: 'CERTIFICATE' | 'PRIVATE KEY'): string | undefined {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  // "PRIVATE KEY" also matches "RSA PRIVATE KEY" and "EC PRIVATE KEY".
  if (!new RegExp(`-----BEGIN [A-Z ]*${label}-----`).test(text)) throw new ConfigError(`invalid configuration: ${variable}: ${path} holds no PEM ${label.toLowerCase()}`);
  return text;
}

const list = (text: string): string[] => text.split(',').map((item) => item.trim()).filter(Boolean);

/** 127.0.0.0/8, ::1 and localhost: only this machine can connect. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^(::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

function authConfig(e: z.infer<typeof schema>): AuthConfig {
  const keys: JwtKey[] = [];
  if (e.AUTH_JWT_SECRET) keys.push({ kind: 'secret', secret: e.AUTH_JWT_SECRET });
  // Environment files often hold a PEM on one line, with \n for its line breaks.
  if (e.AUTH_JWT_PUBLIC_KEY) keys.push({ kind: 'public-key', pem: e.AUTH_JWT_PUBLIC_KEY.replace(/\\n/g, '\n') });
  if (e.AUTH_JWKS_URL) keys.push({ kind: 'jwks', url: e.AUTH_JWKS_URL });
  if (keys.length > 1) throw new ConfigError('invalid configuration: set one of AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY, AUTH_JWKS_URL');
  return {
    required: e.AUTH === 'required' || (e.AUTH === 'auto' && !isLoopback(e.HOST)),
    setting: e.AUTH,
    keyCacheTtlMs: e.AUTH_KEY_CACHE_TTL_MS,
    jwt: keys[0] && { key: keys[0], issuer: e.AUTH_JWT_ISSUER, audience: e.AUTH_JWT_AUDIENCE, rolesClaim: e.AUTH_JWT_ROLES_CLAIM, requireExp: !e.AUTH_JWT_ALLOW_NO_EXP },
  };
}

function tracingConfig(e: z.infer<typeof schema>): TracingConfig | undefined {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesUrl = e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base && `${base.replace(/\/+$/, '')}/v1/traces`);
  if (!tracesUrl || e.OTEL_SDK_DISABLED) return undefined;
  return {
    tracesUrl,
    headers: { ...keyValues('OTEL_EXPORTER_OTLP_HEADERS', e.OTEL_EXPORTER_OTLP_HEADERS), ...keyValues('OTEL_EXPORTER_OTLP_TRACES_HEADERS', e.OTEL_EXPORTER_OTLP_TRACES_HEADERS) },
    serviceName: e.OTEL_SERVICE_NAME,
    resourceAttributes: keyValues('OTEL_RESOURCE_ATTRIBUTES', e.OTEL_RESOURCE_ATTRIBUTES),
    sampler: { name: e.OTEL_TRACES_SAMPLER, ratio: e.OTEL_TRACES_SAMPLER_ARG },
  };
}

/** OpenTelemetry's `key=value,key=value` lists (W3C Baggage syntax: values percent-encoded). */
function keyValues(name: string, list: string | undefined): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of (list ?? '').split(',')) {
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    const key = item.slice(0, at).trim();
    if (at < 1 || key === '') throw new ConfigError(`invalid configuration: ${name}: "${item.trim()}" is not key=value`);
    try {
      pairs[key] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      throw new ConfigError(`invalid configuration: ${name}: the value of ${key} is not percent-encoded`);
    }
  }
  return pairs;
}
