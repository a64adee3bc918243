import { context, trace, type Context as TraceContext, type Link, type Tracer } from '@opentelemetry/api';
import { inSpan } from '../telemetry/spans.js';

export interface GroupCommitOptions<B> {
  /** When set, each write is a span `name`, child of the first batch's caller, linked to the others'. */
  tracer?: Tracer;
  name?: string;
  /** The items of a batch, counted in the span's attributes. */
  sizeOf?: (batch: B) => number;
  /**
   * The least time, ms, from the start of one write to the start of the next: batches added
   * sooner wait and go together. 0 (the default): a write starts as soon as the one before ends.
   */
  minIntervalMs?: number;
}

/**
 * Group commit: `add` hands a batch to `write`; while a write runs, batches added meanwhile wait
 * and are written together by the next one. Writes run one at a time, with their batches in the
 * order they were added, and start at least `minIntervalMs` apart. Each `add` resolves (or
 * rejects) with the write its batch went into.
 */
export function createGroupCommit<B>(write: (batches: B[]) => Promise<void>, { tracer, name = 'group commit', sizeOf, minIntervalMs = 0 }: GroupCommitOptions<B> = {}) {
  let waiting: B[] = [];
  // The callers' trace contexts, beside `waiting` (only with a tracer).
  let callers: TraceContext[] = [];
  let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let next: Promise<void> | undefined;
  // The write running, or the wait before the next one starts.
  let running: Promise<void> | undefined;
  let lastStart = -Infinity; // performance.now() at the start of the last write

  /** Starts the next write now, or once `minIntervalMs` has passed since the last one started. */
  function schedule(): void {
    const wait = lastStart + minIntervalMs - performance.now();
    if (wait <= 0) return flush();
    running = new Promise<void>((resolve) =>
      setTimeout(() => {
        running = undefined;
        flush();
        resolve();
      }, wait),
    );
  }

  function flush(): void {
    lastStart = performance.now();
    const batches = waiting;
    const { resolve, reject } = settle!;
    const run = tracer ? traced(tracer, name, callers, batches, sizeOf, write) : write(batches);
    waiting = [];
    callers = [];
    settle = undefined;
    next = undefined;
    running = run.then(resolve, reject).finally(() => {
      running = undefined;
      if (waiting.length > 0) schedule();
    });
  }

  return {
    add(batch: B): Promise<void> {
      waiting.push(batch);
      if (tracer) callers.push(context.active());
      next ??= new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const written = next;
      if (!running) schedule();
      return written;
    },
    /** Resolves once everything added so far is written (or failed). */
    async idle(): Promise<void> {
      while (running) await running.catch(() => undefined);
    },
  };
}

// A group serves several requests, each with its own trace: the span belongs to the first one's
// trace and links to the others' (OpenTelemetry's way for a batch with many parents).
function traced<B>(tracer: Tracer, name: string, callers: TraceContext[], batches: B[], sizeOf: ((batch: B) => number) | undefined, write: (batches: B[]) => Promise<void>) {
  const links: Link[] = [];
  for (const caller of callers.slice(1)) {
    const spanContext = trace.getSpanContext(caller);
    if (spanContext) links.push({ context: spanContext });
  }
  let items = 0;
  for (const batch of batches) items += sizeOf?.(batch) ?? 1;
  const attributes = { 'marketgraph.group.batches': batches.length, 'marketgraph.group.items': items };
  return inSpan(tracer, name, { parent: callers[0], links, attributes }, () => write(batches));
}
