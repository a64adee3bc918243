import type { Metrics } from '../metrics.js';
import type { TickListener } from '../stores/stream/tick-stream.js';
import type { StoredTick } from '../stores/ticks/tick-store.js';

/** Why a subscription ended early. */
export class SlowSubscriberError extends Error {
  constructor(limit: number) {
    super(`subscriber fell more than ${limit} ticks behind and was dropped; resubscribe`);
  }
}

/**
 * Fans accepted ticks out to subscriptions. The hub listens to accepted ticks once per
 * gateway process and indexes subscribers by symbol, so a tick costs one lookup,
 * not one filter per subscriber.
 */
export function createTickHub(
  onAccepted: (listener: TickListener) => () => void,
  metrics: Metrics,
  maxBuffered = 10_000,
) {
  const bySymbol = new Map<string, Set<TickQueue>>();
  let unsubscribe: (() => void) | undefined;

  function onTicks(ticks: readonly StoredTick[]) {
    for (const tick of ticks) {
      const queues = bySymbol.get(tick.symbol);
      if (!queues) continue;
      for (const queue of queues) queue.push(tick);
      metrics.ticksDelivered.inc(queues.size);
    }
  }

  return {
    start() {
      unsubscribe = onAccepted(onTicks);
    },
    stop() {
      unsubscribe?.();
      for (const queues of bySymbol.values()) for (const q of queues) q.end();
      bySymbol.clear();
    },
    /** An iterator of the ticks of `symbols`, from now on, each once. */
    subscribe(symbols: readonly string[]): AsyncIterableIterator<StoredTick> {
      const unique = [...new Set(symbols)];
      const queue: TickQueue = new TickQueue(maxBuffered, () => {
        for (const s of unique) bySymbol.get(s)?.delete(queue);
        metrics.subscriptionsActive.dec();
      });
      metrics.subscriptionsActive.inc();
      for (const s of unique) {
        let set = bySymbol.get(s);
        if (!set) bySymbol.set(s, (set = new Set()));
        set.add(queue);
      }
      return queue;
    },
  };
}

export type TickHub = ReturnType<typeof createTickHub>;

/** A push queue read as an async iterator; ending it (by either side) detaches it. */
class TickQueue implements AsyncIterableIterator<StoredTick> {
  private buffer: StoredTick[] = [];
  private waiting: ((r: IteratorResult<StoredTick>) => void) | undefined;
  private failWaiting: ((e: Error) => void) | undefined;
  private failure: Error | undefined;
  private done = false;

  constructor(
    private readonly limit: number,
    private readonly detach: () => void,
  ) {}

  push(tick: StoredTick): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = this.failWaiting = undefined;
      resolve({ value: tick, done: false });
    } else if (this.buffer.length >= this.limit) {
      this.fail(new SlowSubscriberError(this.limit));
    } else {
      this.buffer.push(tick);
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.detach();
    this.waiting?.({ value: undefined, done: true });
    this.waiting = this.failWaiting = undefined;
  }

  private fail(error: Error): void {
    this.failure = error;
    this.buffer = [];
    const reject = this.failWaiting;
    this.end();
    reject?.(error);
  }

  next(): Promise<IteratorResult<StoredTick>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.failure) {
      const error = this.failure;
      this.failure = undefined;
      return Promise.reject(error);
    }
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failWaiting = reject;
    });
  }

  return(): Promise<IteratorResult<StoredTick>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
