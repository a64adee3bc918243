/**
 * Tick keys seen in the last `windowMs`: what a durable stream's ticks are checked against
 * before the sink has written them to the tick store. Entries expire in insertion order,
 * so pruning costs only what expired.
 */
export function createRecentKeys(windowMs: number, now: () => number = Date.now) {
  const expiries = new Map<string, number>();

  function prune(at: number): void {
    for (const [key, expiresAt] of expiries) {
      if (expiresAt > at) break;
      expiries.delete(key);
    }
  }

  return {
    /** Adds the key; false when it was already there (a duplicate). */
    add(key: string): boolean {
      const at = now();
      prune(at);
      if (expiries.has(key)) return false;
      expiries.set(key, at + windowMs);
      return true;
    },
    has(key: string): boolean {
      prune(now());
      return expiries.has(key);
    },
    get size() {
      return expiries.size;
    },
  };
}
