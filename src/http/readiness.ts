import type { StoreName } from '../stores/store-names.js';
import type { StoreHealth } from './health.js';

/**
 * ready: every store answers. degraded: a store outside the needed ones is down, so the fields
 * that read it answer null with STORE_UNAVAILABLE while everything else is served. unavailable:
 * a needed store is down.
 */
export type ReadinessStatus = 'ready' | 'degraded' | 'unavailable';

export interface Readiness {
  /** 200 while every needed store answers, else 503: what a load balancer acts on. */
  httpStatus: 200 | 503;
  body: {
    status: ReadinessStatus;
    /** `required`: the READY_STORES decide; `strict` (`/readyz?strict`): every store does. */
    mode: 'required' | 'strict';
    /** The stores down whose fields answer null; the gateway is still in rotation for them. */
    degraded: StoreName[];
    stores: (StoreHealth & { required: boolean })[];
  };
}

/**
 * Whether the gateway serves what clients need (issue 14): a Weaviate outage must not take every
 * gateway out of a load balancer's rotation while ticks, candles and accounts still answer.
 * `strict` keeps the old meaning, for operators who want every store: 503 when any is down.
 */
export function readiness(health: StoreHealth[], needed: readonly StoreName[], strict: boolean): Readiness {
  const required = (store: StoreName) => strict || needed.includes(store);
  const stores = health.map((s) => ({ ...s, required: required(s.store) }));
  const down = stores.filter((s) => s.status === 'down');
  const missing = down.some((s) => s.required);
  return {
    httpStatus: missing ? 503 : 200,
    body: {
      status: missing ? 'unavailable' : down.length > 0 ? 'degraded' : 'ready',
      mode: strict ? 'strict' : 'required',
      degraded: down.filter((s) => !s.required).map((s) => s.store),
      stores,
    },
  };
}

/** `?strict`, `?strict=true` and `?strict=1` ask for every store; `?strict=false` and `=0` do not. */
export function isStrict(url: URL): boolean {
  const value = url.searchParams.get('strict');
  return value !== null && value !== 'false' && value !== '0';
}
