import { StoreError } from '../errors.js';
import { describeGuardError, type BreakerState } from '../stores/resilience.js';
import { STORE_NAMES, type StoreGuards, type StoreName, type Stores } from '../stores/stores.js';
import { withTimeout } from '../with-timeout.js';

export interface StoreHealth {
  store: StoreName;
  engine: string;
  status: 'up' | 'down';
  /** The store's circuit breaker after the ping (open: its calls fail fast). */
  breaker: BreakerState;
  latencyMs: number;
  error?: string;
}

// A ping slower than this counts as down: readiness must answer quickly.
const PING_TIMEOUT_MS = 2_000;

/**
 * Pings every store at once; each result says how long its ping took and its breaker state.
 * Pings go through the breaker: an open circuit is reported down, and after its half-open
 * delay a readiness probe is the trial call that can close it.
 */
export async function checkStores(stores: Stores, guards: StoreGuards): Promise<StoreHealth[]> {
  return Promise.all(
    STORE_NAMES.map(async (store): Promise<StoreHealth> => {
      const port = stores[store];
      const started = performance.now();
      try {
        await withTimeout(port.ping(), PING_TIMEOUT_MS);
        return { store, engine: port.engine, status: 'up', breaker: guards[store].state, latencyMs: elapsed(started) };
      } catch (error) {
        const message = describeGuardError(error instanceof StoreError ? error.cause : error) ?? (error instanceof Error ? error.message : String(error));
        return { store, engine: port.engine, status: 'down', breaker: guards[store].state, latencyMs: elapsed(started), error: message };
      }
    }),
  );
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;

/**
 * checkStores shared by concurrent callers. /readyz needs no credential, so a flood of probes
 * must not become a flood of store pings: however many probes arrive while a check runs, they
 * all get its answer, and each store sees one ping per round.
 */
export function sharedStoreCheck(stores: Stores, guards: StoreGuards): () => Promise<StoreHealth[]> {
  let running: Promise<StoreHealth[]> | undefined;
  return () =>
    (running ??= checkStores(stores, guards).finally(() => {
      running = undefined;
    }));
}
