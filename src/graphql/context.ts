import type { Context as TraceContext } from '@opentelemetry/api';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config.js';
import type { TickIngest } from '../ingest/tick-ingest.js';
import type { IngestRateLimit } from '../ingest/rate-limit.js';
import type { Stores } from '../stores/stores.js';
import type { PreparedTicks } from './insert-ticks-fast-path.js';
import type { LiveSocket } from './live-delivery.js';
import type { TickHub } from './tick-hub.js';
import { createLoaders, type Loaders } from './loaders.js';

/** What every resolver receives: the stores, this request's loaders and caller, the write path. */
export interface Context {
  config: Config;
  stores: Stores;
  loaders: Loaders;
  ingest: TickIngest;
  ingestRateLimit: IngestRateLimit;
  hub: TickHub;
  /** Who sent this operation (src/auth); its roles were checked before any resolver ran. */
  principal: Principal;
  /**
   * insertTicks's ticks, coerced by the HTTP fast path (insert-ticks-fast-path.ts): set where an
   * HTTP request's context is created, read by the insertTicks resolver in place of its argument
   * (the fast path rewrote it to `[]`).
   */
  preparedTicks?: PreparedTicks;
  /** Set for operations over a WebSocket: where subscription ticks are written. */
  live?: LiveSocket;
  /**
   * Over a WebSocket with tracing on: the trace named by the socket's connectionParams
   * (`traceparent`), the parent of its operations' spans. (HTTP runs Apollo inside the span.)
   */
  traceParent?: TraceContext;
}

export type AppServices = Omit<Context, 'loaders' | 'principal' | 'preparedTicks'>;

/** What one request adds to its context when it is created. */
export type RequestExtras = Pick<Context, 'preparedTicks'>;

/**
 * Loaders are made on first use: a subscription, which holds its context for as long as it
 * lasts, does not carry seven of them (and their caches) for nothing. Add fields to a context
 * with Object.assign, not a spread, which would make them.
 */
export function createContext(services: AppServices, principal: Principal, extras: RequestExtras = {}): Context {
  let loaders: Loaders | undefined;
  return {
    ...services,
    ...extras,
    principal,
    get loaders() {
      return (loaders ??= createLoaders(services.stores));
    },
  };
}
