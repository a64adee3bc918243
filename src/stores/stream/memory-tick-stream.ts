import type { LocalTickStream, TickListener } from './tick-stream.js';

/** In-process publish/subscribe: delivery is synchronous, so order is the publish order. */
export function createMemoryTickStream(): LocalTickStream {
  const listeners = new Set<TickListener>();
  return {
    kind: 'local',
    engine: 'in-process',
    async start() {},
    async ping() {},
    async close() {
      listeners.clear();
    },
    async publish(ticks) {
      for (const listener of listeners) listener(ticks);
    },
    // One partition: seq is global, assigned by the gateway in the order it accepts ticks.
    partitionOf: () => 0,
    partitionCount: () => 1,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
