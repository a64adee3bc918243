import { StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StoreGuard } from './resilience.js';
import { storeSpan } from '../telemetry/spans.js';
import type { Tracing } from '../telemetry/tracing.js';

/** What every port gets wrapped with: timing, slow-operation logs, and one error type. */
export interface PortObserver {
  metrics: Metrics;
  logger: Logger;
  slowMs: number;
  /** Tests count calls here to prove batching (one round trip per store). */
  onCall?: (store: string, operation: string) => void;
  /** When set, every call is a span (src/telemetry/spans.ts); otherwise nothing is traced. */
  tracing?: Tracing;
}

/** How one port is guarded: its timeout, retry and circuit breaker, and which calls are reads. */
export interface PortGuard {
  guard: StoreGuard;
  /** Operations without side effects: only these are retried. */
  reads: ReadonlySet<string>;
}

// Lifecycle and local-only methods are not store operations.
const UNWRAPPED = new Set(['start', 'close', 'subscribe', 'follow', 'consume', 'partitionOf', 'partitionCount', 'engine', 'sqlClient', 'clickhouseSql', 'kafkaAdmin', 'weaviateClient', 'arangoDatabase', 'redisClient']);

/**
 * Wraps each async method of a port so that every call goes through the store's guard
 * (timeout, retry for reads, circuit breaker), is timed into the store-operation histogram,
 * logged when slower than `slowMs`, and any failure becomes a StoreError naming the store
 * (the driver's error stays as its cause).
 */
export function instrumentPort<P extends object>(store: string, port: P, observer: PortObserver, { guard, reads }: PortGuard): P {
  const wrapped = { ...port } as Record<string, unknown>;
  for (const [name, value] of Object.entries(port)) {
    if (typeof value !== 'function' || UNWRAPPED.has(name)) continue;
    const method = value as (...args: unknown[]) => Promise<unknown>;
    // Pings are /readyz probes, every few seconds from each load balancer: a trace of their own each would bury the requests'.
    const traced = observer.tracing && name !== 'ping' && storeSpan(observer.tracing.tracer, store, (port as { engine?: string }).engine ?? '', name);
    wrapped[name] = async (...args: unknown[]) => {
      observer.onCall?.(store, name);
      const started = performance.now();
      let outcome = 'ok';
      try {
        const call = () => method.apply(port, args);
        const guarded = () => (reads.has(name) ? guard.read(call) : guard.write(call));
        return await (traced ? traced(args, guarded) : guarded());
      } catch (error) {
        const failure = error instanceof StoreError ? error : new StoreError(store, name, error);
        outcome = failure.refusedInput ? 'refused_input' : 'error';
        throw failure;
      } finally {
        const ms = performance.now() - started;
        observer.metrics.storeOperations.observe({ store, operation: name, outcome }, ms / 1000);
        if (ms > observer.slowMs) observer.logger.warn({ store, operation: name, ms: Math.round(ms) }, 'slow store operation');
      }
    };
  }
  return wrapped as P;
}
