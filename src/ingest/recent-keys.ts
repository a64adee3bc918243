/**
 * Tick keys seen lately: what a durable stream's ticks are checked against before the sink has
 * written them to the tick store. A key is remembered for at least `windowMs` and at most twice
 * that: keys go into the current generation, and every `windowMs` the previous generation is
 * dropped whole and the current one takes its place.
 *
 * (Keeping an expiry per key cost more than the lookups: pruning a Map by iterating it from the
 * start is quadratic in V8, and a queue of expiries still took about 15% of the gateway's time
 * at 20,000 ticks/s on the Kafka path.)
 */
export function createRecentKeys(windowMs: number, now: () => number = Date.now) {
  let current = new Set<string>();
  let previous = new Set<string>();
  let rotateAt = now() + windowMs;

  function rotate(at: number): void {
    if (at < rotateAt) return;
    // Rotations keep to their schedule, whenever they are noticed. After two windows without
    // one (an idle process), nothing is recent any more.
    const missedOne = at >= rotateAt + windowMs;
    previous = missedOne ? new Set() : current;
    current = new Set();
    rotateAt = missedOne ? at + windowMs : rotateAt + windowMs;
  }

  return {
    /** Adds the key; false when it was already there (a duplicate). */
    add(key: string): boolean {
      rotate(now());
      if (current.has(key) || previous.has(key)) return false;
      current.add(key);
      return true;
    },
    has(key: string): boolean {
      rotate(now());
      return current.has(key) || previous.has(key);
    },
    get size() {
      return current.size + previous.size;
    },
  };
}
