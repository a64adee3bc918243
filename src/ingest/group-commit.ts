/**
 * Group commit: `add` hands items to `write`; while a write runs, items added meanwhile wait
 * and are written together by the next one. Writes run one at a time, in the order items
 * were added. Each `add` resolves (or rejects) with the write its items went into.
 */
export function createGroupCommit<T>(write: (items: T[]) => Promise<void>) {
  let waiting: T[][] = [];
  let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let next: Promise<void> | undefined;
  let running: Promise<void> | undefined;

  function flush(): void {
    const items = waiting.length === 1 ? waiting[0]! : waiting.flat();
    const { resolve, reject } = settle!;
    waiting = [];
    settle = undefined;
    next = undefined;
    running = write(items).then(resolve, reject).finally(() => {
      running = undefined;
      if (waiting.length > 0) flush();
    });
  }

  return {
    add(items: T[]): Promise<void> {
      waiting.push(items);
      next ??= new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const written = next;
      if (!running) flush();
      return written;
    },
    /** Resolves once everything added so far is written (or failed). */
    async idle(): Promise<void> {
      while (running) await running.catch(() => undefined);
    },
  };
}
