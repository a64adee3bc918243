import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { NoSchemaIntrospectionCustomRule } from 'graphql';
import type { Config } from './config.js';
import { syncGraph } from './analytics/all-instruments.js';
import { accessControlNotice, createAuthenticator } from './auth/authenticate.js';
import { useAccessControl } from './auth/use-access-control.js';
import { wsAccessControl } from './auth/ws-access-control.js';
import { createCredentialWatch, keyPollMs } from './auth/ws-credential-watch.js';
import { seedDemoData } from './demo/seed.js';
import { createContext, type Context } from './graphql/context.js';
import { createErrorMasker } from './graphql/mask-error.js';
import { createOperationPreparer } from './graphql/prepare-operation.js';
import { limitParseOptions, queryLimitRules } from './graphql/query-limits.js';
import { createSchema } from './graphql/schema.js';
import { createTickHub } from './graphql/tick-hub.js';
import { loadTrustedDocuments } from './graphql/trusted-documents.js';
import { useEntitiesCost } from './graphql/use-entities-cost.js';
import { useMetrics } from './graphql/use-metrics.js';
import { createOperationNameLabel } from './graphql/operation-names.js';
import { useTracing } from './graphql/use-tracing.js';
import { attachWebSocket } from './graphql/websocket.js';
import { createWsLimits } from './graphql/ws-limits.js';
import { drainHttpServer } from './http/drain.js';
import { createHttpServer } from './http/server.js';
import { createDurableWritePath } from './ingest/durable-write-path.js';
import { createLocalWritePath } from './ingest/local-write-path.js';
import { createIngestRateLimit } from './ingest/rate-limit.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { startTickSink } from './ingest/tick-sink.js';
import { migrateOnStart } from './migrations/migrate-on-start.js';
import { startTracing } from './telemetry/tracing.js';
import { closeStores, createStoreGuards, createStores, instrumentStores, serverStores, startStores, type Stores } from './stores/stores.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};

/**
 * Longest the HTTP requests in flight at shutdown may take before their connections are
 * closed: inside the 10 s `docker stop` gives by default, with room to close the stores.
 */
const HTTP_DRAIN_MS = 7_000; // milliseconds

/** The server lifecycle, as one union instead of booleans. */
export type Phase = 'starting' | 'started' | 'draining' | 'stopped';

export interface AppOptions {
  config: Config;
  logger: Logger;
  /** Tests count store calls here (see PortObserver). */
  onStoreCall?: (store: string, operation: string) => void;
  /** Replaces the adapters chosen from config (tests use this to inject faults). */
  stores?: Stores;
  /**
   * Apply pending schema migrations of server stores at start-up (default: config's
   * MIGRATE_ON_START, itself false). Embedded stores are always migrated. See migrateOnStart.
   */
  migrate?: boolean;
}

export interface App {
  readonly url: string;
  readonly phase: Phase;
  stores: Stores;
  stop(): Promise<void>;
}

/** The composition root: stores, ingest, schema, HTTP and WebSocket, wired with explicit arguments. */
export async function startApp({ config, logger, onStoreCall, stores: given, migrate = config.migrateOnStart }: AppOptions): Promise<App> {
  let phase: Phase = 'starting';
  const metrics = createMetrics();
  // Undefined unless an OTLP endpoint is configured: then nothing below makes a span.
  const tracing = await startTracing(config.tracing, pkg.version);
  const tracer = tracing?.tracer;
  // Before anything opens: a manifest that does not parse stops the gateway here.
  const trustedDocuments = config.trustedDocuments ? await loadTrustedDocuments(config.trustedDocuments) : undefined;
  const adapters = given ?? (await createStores(config));
  const guards = createStoreGuards(
    { timeoutMs: config.storeTimeoutMs, breakerFailures: config.breakerFailures, halfOpenAfterMs: config.breakerHalfOpenMs },
    metrics,
    logger,
  );
  const stores = instrumentStores(adapters, { metrics, logger, slowMs: config.slowStoreOpMs, onCall: onStoreCall, tracing }, guards);
  const servers = serverStores(config);
  // Before the stores start: a JWT key that does not parse stops the gateway here, with nothing open.
  const authenticator = createAuthenticator(config.auth, stores.relational);
  const startup = await startStores(stores, servers, logger);
  // From here on, a store counts as started once its schema is up to date.
  let started: Awaited<ReturnType<typeof migrateOnStart>>;
  try {
    started = await migrateOnStart({ stores: adapters, servers, startup, migrate, logger });
  } catch (error) {
    startup.cancel();
    await closeStores(stores);
    await tracing?.shutdown();
    throw error;
  }
  // The write path, picked once by the stream's kind (src/ingest/tick-ingest.ts).
  const ingestOptions = { maxPendingTicks: config.ingestMaxPendingTicks, tracer };
  const stream = stores.stream;
  const ingest =
    stream.kind === 'durable'
      ? createDurableWritePath(stores, stream, metrics, { ...ingestOptions, sinkGroup: config.kafka!.sinkGroup, logger })
      : createLocalWritePath(stores, stream, metrics, { ...ingestOptions, minInsertIntervalMs: config.ingestMinInsertIntervalMs, groupWaitMs: config.ingestGroupWaitMs });
  await ingest.start();
  if (stream.kind === 'durable') {
    started.stream.then(
      () => startTickSink(stream, stores, config.kafka!.sinkGroup, logger, { tracer, metrics }),
    ).catch((error: unknown) => logger.error({ err: error }, 'tick sink stopped'));
  }
  // The graph's vertices follow the relational store (a graph store added later catches up).
  Promise.all([started.relational, started.graph])
    .then(() => syncGraph(stores))
    .catch((error: unknown) => logger.warn({ err: error }, 'graph not synchronised with the instruments'));
  if (config.seedDemoData) {
    // Seeding waits for the stores it writes to. Embedded ones are up already, so a first
    // `npm start` answers with demo data; a server that is down delays it, not the gateway.
    const seeded = Promise.all([started.relational, started.ticks, started.stream]).then(() =>
      seedDemoData(stores, ingest, logger),
    );
    if (servers.size === 0) await seeded;
    else seeded.catch((error: unknown) => logger.error({ err: error }, 'demo data not seeded'));
  }

  const hub = createTickHub({
    onAccepted: ingest.onAccepted,
    stream: stores.stream,
    ticks: stores.ticks,
    metrics,
    sinkGroup: config.kafka?.sinkGroup,
    replayMax: config.subscriptions.replayMax,
    streamStarted: started.stream,
  });
  const hubStarted = hub.start();
  if (servers.size === 0) await hubStarted;
  const services = { config, stores, ingest, hub, ingestRateLimit: createIngestRateLimit(config.ingestRateLimit) };
  const maskError = createErrorMasker(logger, { hideSuggestions: config.production });
  const schema = createSchema(tracer);
  const operationNameLabel = createOperationNameLabel(config.metricsOperationNamesMax);
  // The same limits on HTTP (Apollo) and WebSocket (prepareOperation).
  const parseOptions = limitParseOptions(config.queryLimits);
  const validationRules = queryLimitRules(config.queryLimits);

  const apollo = new ApolloServer<Context>({
    schema,
    parseOptions,
    validationRules,
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    introspection: !config.production,
    logger,
    // serve() owns SIGTERM and SIGINT. Apollo's own handler (on unless NODE_ENV=test) stops
    // Apollo, then sends the signal again to this process (process.kill(process.pid, signal)):
    // that second delivery made serve() exit 1 at once, draining nothing (issue 13).
    stopOnTerminationSignals: false,
    // No cache hints are used: without Apollo's cache-control plugin (on by default), no hook
    // runs per resolved field (it was 2% of the gateway's time serving the queries bench).
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      useMetrics(metrics, operationNameLabel),
      useAccessControl(),
      useEntitiesCost(config.queryLimits),
      ...(tracing ? [useTracing()] : []),
    ],
  });
  await apollo.start();

  const httpServer = createHttpServer({
    config,
    apollo,
    authenticate: (req) => authenticator.http(req),
    createContext: (principal, extras) => createContext(services, principal, extras),
    stores,
    guards,
    metrics,
    logger,
    version: { name: pkg.name, version: pkg.version },
    trustedDocuments,
    tracing,
  });
  const credentialWatch = createCredentialWatch({
    isRevoked: (keyId, maxAgeMs) => authenticator.isRevoked(keyId, maxAgeMs),
    pollMs: keyPollMs(config.auth.keyCacheTtlMs),
    ttlMs: config.auth.keyCacheTtlMs,
    onError: (error) => logger.warn({ err: error }, 'API key of an open socket not checked again'),
  });
  const ws = attachWebSocket({
    httpServer,
    schema,
    createContext: (principal) => createContext(services, principal),
    access: wsAccessControl(authenticator, credentialWatch),
    maskError,
    metrics,
    hostOrigin: httpServer.hostOrigin,
    limits: createWsLimits(config.webSocket),
    maxPayloadBytes: config.webSocket.maxPayloadBytes,
    connectionInitTimeoutMs: config.webSocket.connectionInitTimeoutMs,
    operationNameLabel,
    tracing,
    slowSubscribers: { maxBufferedBytes: config.subscriptions.maxBufferedBytes, policy: config.subscriptions.slowPolicy },
    prepareOperation: createOperationPreparer({
      schema,
      parseOptions,
      // Apollo adds this rule itself on HTTP when introspection is off.
      validationRules: config.production ? [...validationRules, NoSchemaIntrospectionCustomRule] : validationRules,
      queryLimits: config.queryLimits,
      trustedDocuments,
    }),
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, resolve);
  });
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}/graphql`;
  phase = 'started';
  const notice = accessControlNotice(config);
  logger[notice.level]({ auth: config.auth.required ? 'required' : 'open' }, notice.message);
  logger.info({ url, stores: Object.fromEntries(Object.entries(stores).map(([k, v]) => [k, v.engine])) }, 'marketgraph started');

  return {
    url,
    stores,
    get phase() {
      return phase;
    },
    async stop() {
      if (phase !== 'started') return;
      phase = 'draining';
      const drained = drainHttpServer(httpServer, HTTP_DRAIN_MS);
      credentialWatch.stop();
      await ws.close();
      // Apollo refuses operations once stopped: only after every received request is answered.
      await drained;
      await apollo.stop();
      await ingest.drain();
      ingest.stop();
      hub.stop();
      startup.cancel();
      await closeStores(stores);
      await tracing?.shutdown(); // exports the last spans
      phase = 'stopped';
      logger.info('marketgraph stopped');
    },
  };
}
