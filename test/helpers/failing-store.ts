/** A store adapter that fails on command, as a server that went away would. */
export interface Switchable<P> {
  port: P;
  /** From now on every call but start and close fails (ping included), until `heal()`. */
  fail(): void;
  heal(): void;
}

// Lifecycle stays: the gateway starts and stops as usual; it is the store's calls that fail.
const KEPT = new Set<PropertyKey>(['start', 'close']);

/**
 * Wraps `port` so that its calls reject with a driver-like error while failing. The check runs
 * at call time: the gateway wraps each method once at start (instrumentPort), long before.
 */
export function switchable<P extends object>(port: P): Switchable<P> {
  let failing = false;
  const wrapped = new Proxy(port, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      if (KEPT.has(name)) return value.bind(target);
      return (...args: unknown[]) =>
        failing
          ? Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 (injected)'), { code: 'ECONNREFUSED' }))
          : value.apply(target, args);
    },
  });
  return { port: wrapped, fail: () => (failing = true), heal: () => (failing = false) };
}
