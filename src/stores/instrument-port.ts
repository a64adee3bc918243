import { StoreError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';

/** What every port gets wrapped with: timing, slow-operation logs, and one error type. */
export interface PortObserver {
  metrics: Metrics;
  logger: Logger;
  slowMs: number;
  /** Tests count calls here to prove batching (one round trip per store). */
  onCall?: (store: string, operation: string) => void;
}

// Lifecycle and local-only methods are not store operations.
const UNWRAPPED = new Set(['start', 'close', 'subscribe', 'engine', 'sqlClient', 'clickhouseSql', 'kafkaAdmin', 'weaviateClient', 'arangoDatabase', 'redisClient']);

/**
 * Wraps each async method of a port so that every call is timed into the
 * store-operation histogram, logged when slower than `slowMs`, and any failure
 * becomes a StoreError naming the store (the driver's error stays as its cause).
 */
export function instrumentPort<P extends object>(store: string, port: P, observer: PortObserver): P {
  const wrapped = { ...port } as Record<string, unknown>;
  for (const [name, value] of Object.entries(port)) {
    if (typeof value !== 'function' || UNWRAPPED.has(name)) continue;
    const method = value as (...args: unknown[]) => Promise<unknown>;
    wrapped[name] = async (...args: unknown[]) => {
      observer.onCall?.(store, name);
      const started = performance.now();
      let outcome = 'ok';
      try {
        return await method.apply(port, args);
      } catch (error) {
        outcome = 'error';
        throw error instanceof StoreError ? error : new StoreError(store, name, error);
      } finally {
        const ms = performance.now() - started;
        observer.metrics.storeOperations.observe({ store, operation: name, outcome }, ms / 1000);
        if (ms > observer.slowMs) observer.logger.warn({ store, operation: name, ms: Math.round(ms) }, 'slow store operation');
      }
    };
  }
  return wrapped as P;
}
