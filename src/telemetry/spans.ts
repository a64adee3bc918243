import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context as TraceContext, type Link, type Span, type Tracer } from '@opentelemetry/api';
import { StoreError } from '../errors.js';

export interface SpanSpec {
  kind?: SpanKind;
  attributes?: Attributes;
  /** Default: the active span (or none). */
  parent?: TraceContext;
  links?: Link[];
}

/**
 * Runs `fn` with a new span as the active one, and ends the span when `fn` settles. A failure
 * marks the span as an error with the error's kind only: messages of driver errors can quote
 * the values of a statement, which a trace must not carry.
 */
export async function inSpan<T>(tracer: Tracer, name: string, spec: SpanSpec, fn: (span: Span) => Promise<T>): Promise<T> {
  const parent = spec.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: spec.kind, attributes: spec.attributes, links: spec.links }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn, undefined, span);
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

export function markFailed(span: Span, error: unknown): void {
  const type = error instanceof StoreError ? 'STORE_UNAVAILABLE' : error instanceof Error ? error.name : typeof error;
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR });
}

// The database or messaging system behind an engine, as OpenTelemetry's semantic conventions
// name it (db.system.name, messaging.system). An in-process engine has none.
const SYSTEMS: Record<string, string> = {
  postgres: 'postgresql',
  pglite: 'postgresql',
  clickhouse: 'clickhouse',
  chdb: 'clickhouse',
  redis: 'redis',
  arangodb: 'arangodb',
  weaviate: 'weaviate',
};

// A batch call's size is its list's length, but for the calls whose list holds parts of rows:
// the rows they hold (TickStore.insertRowBinary's parts, each `count` rows).
const rowsOfParts = (parts: readonly unknown[]) => parts.reduce<number>((rows, part) => rows + (part as { count: number }).count, 0);
const BATCH_SIZES: Record<string, (list: readonly unknown[]) => number> = { insertRowBinary: rowsOfParts };
const lengthOf = (list: readonly unknown[]) => list.length;

/**
 * A store call's span: named `<operation> <store>` (semantic conventions: `{db.operation.name}
 * {target}`), with the port's operation and, for a batch, how many keys or rows it carries;
 * never the values. Appends to Kafka are messaging spans (`send`, kind producer).
 */
export function storeSpan(tracer: Tracer, store: string, engine: string, operation: string) {
  const system = engine.split(' ')[0]!;
  const messaging = system === 'kafka';
  const attributes: Attributes = messaging
    ? { 'messaging.system': 'kafka', 'messaging.operation.name': operation, 'messaging.operation.type': operation === 'append' ? 'send' : operation }
    : { 'db.operation.name': operation, ...(SYSTEMS[system] ? { 'db.system.name': SYSTEMS[system] } : {}) };
  attributes['marketgraph.store'] = store;
  attributes['marketgraph.store.engine'] = system;
  const kind = messaging && operation === 'append' ? SpanKind.PRODUCER : SpanKind.CLIENT;
  const name = `${operation} ${store}`;
  const sizeOf = BATCH_SIZES[operation] ?? lengthOf;
  return <T>(args: readonly unknown[], run: () => Promise<T>): Promise<T> => {
    const first = args[0];
    const batch = Array.isArray(first) ? { [messaging ? 'messaging.batch.message_count' : 'db.operation.batch.size']: sizeOf(first) } : undefined;
    return inSpan(tracer, name, { kind, attributes: batch ? { ...attributes, ...batch } : attributes }, run);
  };
}
