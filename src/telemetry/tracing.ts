import { context, ROOT_CONTEXT, type Context as TraceContext, type Tracer } from '@opentelemetry/api';
import type { TracingConfig } from '../config.js';

/** What the gateway traces with; absent when no OTLP endpoint is configured. */
export interface Tracing {
  tracer: Tracer;
  /** The remote parent named by a W3C `traceparent` (and `tracestate`) in `carrier`, else the root. */
  parentFrom(carrier: Readonly<Record<string, unknown>> | undefined): TraceContext;
  /** Exports the spans still buffered and stops (on shutdown: spans of the last requests are kept). */
  shutdown(): Promise<void>;
}

// Longest a span waits in the buffer before it is exported (the SDK's default is 5 s): an
// operator looking up the trace of a request they just made should find it.
const EXPORT_DELAY_MS = 1_000;

/**
 * Starts the OpenTelemetry trace SDK when an endpoint is configured. Without one it returns
 * undefined having loaded nothing: the SDK and exporter are imported here, on demand, so a
 * gateway without tracing neither pays their start-up time nor carries a context manager
 * (whose async hooks would cost every promise).
 *
 * The lighter trace SDK rather than @opentelemetry/sdk-node: only traces are exported, and
 * sdk-node would also load the metrics and logs SDKs and every OTLP transport (README,
 * Observability, has the measured start-up times).
 */
export async function startTracing(config: TracingConfig | undefined, version: string): Promise<Tracing | undefined> {
  if (!config) return undefined;
  const [{ AsyncLocalStorageContextManager }, { W3CTraceContextPropagator }, sdk, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/core'),
      import('@opentelemetry/sdk-trace'),
      import('@opentelemetry/exporter-trace-otlp-proto'),
      import('@opentelemetry/resources'),
    ]);
  // Parent-child links within the process follow async calls; this is the one global it sets.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const provider = new sdk.TracerProvider({
    resource: resourceFromAttributes({ ...config.resourceAttributes, 'service.name': config.serviceName, 'service.version': version }),
    sampler: sampler(sdk, config.sampler),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: config.tracesUrl, headers: { ...config.headers } }),
        scheduledDelayMillis: EXPORT_DELAY_MS,
      }),
    ],
  });
  const propagator = new W3CTraceContextPropagator();
  return {
    tracer: provider.getTracer('marketgraph', version),
    parentFrom: (carrier) => (carrier ? propagator.extract(ROOT_CONTEXT, carrier, headerGetter) : ROOT_CONTEXT),
    async shutdown() {
      await provider.shutdown();
      context.disable();
    },
  };
}

type Sdk = typeof import('@opentelemetry/sdk-trace');

function sampler(sdk: Sdk, { name, ratio }: TracingConfig['sampler']) {
  const root = name.endsWith('always_off') ? new sdk.AlwaysOffSampler() : name.endsWith('traceidratio') ? new sdk.TraceIdRatioBasedSampler(ratio) : new sdk.AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
}

/** Reads `traceparent`/`tracestate` from HTTP headers or graphql-ws connectionParams (string values only). */
const headerGetter = {
  keys: (carrier: Readonly<Record<string, unknown>>) => Object.keys(carrier),
  get(carrier: Readonly<Record<string, unknown>>, key: string): string | undefined {
    const value = carrier[key];
    // Bounded: a W3C traceparent is 55 characters, a tracestate at most 32 members of ~256.
    return typeof value === 'string' && value.length <= 8_192 ? value : undefined;
  },
};
