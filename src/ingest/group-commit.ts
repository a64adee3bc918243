import { context, trace, type Context as TraceContext, type Link, type Tracer } from '@opentelemetry/api';
import { inSpan } from '../telemetry/spans.js';

export interface GroupCommitOptions {
  /** When set, each write is a span `name`, child of the first batch's caller, linked to the others'. */
  tracer?: Tracer;
  name?: string;
}

/**
 * Group commit: `add` hands items to `write`; while a write runs, items added meanwhile wait
 * and are written together by the next one. Writes run one at a time, in the order items
 * were added. Each `add` resolves (or rejects) with the write its items went into.
 */
export function createGroupCommit<T>(write: (items: T[]) => Promise<void>, { tracer, name = 'group commit' }: GroupCommitOptions = {}) {
  let waiting: T[][] = [];
  // The callers' trace contexts, beside `waiting` (only with a tracer).
  let callers: TraceContext[] = [];
  let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let next: Promise<void> | undefined;
  let running: Promise<void> | undefined;

  function flush(): void {
    const items = waiting.length === 1 ? waiting[0]! : ([] as T[]).concat(...waiting); // concat copies; flat() visits each item
    const { resolve, reject } = settle!;
    const run = tracer ? traced(tracer, name, callers, waiting.length, items, write) : write(items);
    waiting = [];
    callers = [];
    settle = undefined;
    next = undefined;
    running = run.then(resolve, reject).finally(() => {
      running = undefined;
      if (waiting.length > 0) flush();
    });
  }

  return {
    add(items: T[]): Promise<void> {
      waiting.push(items);
      if (tracer) callers.push(context.active());
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

// A group serves several requests, each with its own trace: the span belongs to the first one's
// trace and links to the others' (OpenTelemetry's way for a batch with many parents).
function traced<T>(tracer: Tracer, name: string, callers: TraceContext[], batches: number, items: T[], write: (items: T[]) => Promise<void>) {
  const links: Link[] = [];
  for (const caller of callers.slice(1)) {
    const spanContext = trace.getSpanContext(caller);
    if (spanContext) links.push({ context: spanContext });
  }
  const attributes = { 'marketgraph.group.batches': batches, 'marketgraph.group.items': items.length };
  return inSpan(tracer, name, { parent: callers[0], links, attributes }, () => write(items));
}
