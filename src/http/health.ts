import { STORE_NAMES, type Stores } from '../stores/stores.js';
import { withTimeout } from '../with-timeout.js';

export interface StoreHealth {
  store: string;
  engine: string;
  status: 'up' | 'down';
  latencyMs: number;
  error?: string;
}

// A ping slower than this counts as down: readiness must answer quickly.
const PING_TIMEOUT_MS = 2_000;

/** Pings every store at once; each result says how long its ping took. */
export async function checkStores(stores: Stores): Promise<StoreHealth[]> {
  return Promise.all(
    STORE_NAMES.map(async (store): Promise<StoreHealth> => {
      const port = stores[store];
      const started = performance.now();
      try {
        await withTimeout(port.ping(), PING_TIMEOUT_MS);
        return { store, engine: port.engine, status: 'up', latencyMs: elapsed(started) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { store, engine: port.engine, status: 'down', latencyMs: elapsed(started), error: message };
      }
    }),
  );
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;
