import { context, trace, type Context as TraceContext, type Link, type Tracer } from '@opentelemetry/api';
import { inSpan } from '../telemetry/spans.js';

export interface GroupCommitOptions<B> {
  /** When set, each write is a span `name`, child of the first batch's caller, linked to the others'. */
  tracer?: Tracer;
  name?: string;
  /** The items of a batch, counted in the span's attributes and against `enoughItems`. */
  sizeOf?: (batch: B) => number;
  /**
   * The least time, ms, from the start of one write to the start of the next: batches added
   * sooner wait and go together. 0 (the default): a write starts as soon as the one before ends.
   */
  minIntervalMs?: number;
  /**
   * How long, ms from the end of a write, the next group waits for the batches it answered: a
   * client answered usually sends its next batch at once. The group is written when it holds as
   * many batches as were waiting at that end plus those answered, or `enoughItems`, or at this
   * deadline. 0 (the default): no wait.
   */
  regroupMs?: number;
  /** Items from which a group is written without waiting for more (with `regroupMs`). */
  enoughItems?: number;
}

/**
 * Group commit: `add` hands a batch to `write`; while a write runs, batches added meanwhile wait
 * and are written together by the next one. Writes run one at a time, with their batches in the
 * order they were added, and start at least `minIntervalMs` apart; with `regroupMs`, a group also
 * waits a little for the batches of clients the last write answered. Each `add` resolves (or
 * rejects) with the write its batch went into.
 */
export function createGroupCommit<B>(write: (batches: B[]) => Promise<void>, { tracer, name = 'group commit', sizeOf, minIntervalMs = 0, regroupMs = 0, enoughItems = Infinity }: GroupCommitOptions<B> = {}) {
  let waiting: B[] = [];
  // The callers' trace contexts, beside `waiting` (only with a tracer).
  let callers: TraceContext[] = [];
  let settle: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let next: Promise<void> | undefined;
  // The write running, or the wait before the next one starts.
  let running: Promise<void> | undefined;
  let lastStart = -Infinity; // performance.now() at the start of the last write
  let items = 0; // in `waiting`
  // Set when a write ends: the batches the next group waits for, until `regroupUntil`.
  let expected = 0;
  let regroupUntil = -Infinity;
  // The wait before the next write, if one runs: its timer, and what ends `running` for it.
  let wait: { timer?: NodeJS.Timeout; end: () => void } | undefined;

  const short = (now: number) => now < regroupUntil && waiting.length < expected && items < enoughItems;

  /**
   * Starts the next write now, or sets (again) the time it starts: once `minIntervalMs` has
   * passed since the last one started and the group is no longer short.
   */
  function schedule(): void {
    const now = performance.now();
    const ms = Math.max(lastStart + minIntervalMs - now, short(now) ? regroupUntil - now : 0);
    clearTimeout(wait?.timer);
    if (ms > 0) {
      if (!wait) {
        let end!: () => void;
        running = new Promise<void>((resolve) => (end = resolve));
        wait = { end };
      }
      wait.timer = setTimeout(schedule, ms); // timers can fire a ms early: schedule checks again
      return;
    }
    const waited = wait;
    wait = undefined;
    flush();
    waited?.end();
  }

  function flush(): void {
    lastStart = performance.now();
    const batches = waiting;
    const { resolve, reject } = settle!;
    const run = tracer ? traced(tracer, name, callers, batches, items, write) : write(batches);
    waiting = [];
    items = 0;
    callers = [];
    settle = undefined;
    next = undefined;
    running = run.then(resolve, reject).finally(() => {
      running = undefined;
      expected = waiting.length + batches.length;
      regroupUntil = performance.now() + regroupMs;
      if (waiting.length > 0) schedule();
    });
  }

  return {
    add(batch: B): Promise<void> {
      waiting.push(batch);
      items += sizeOf?.(batch) ?? 1;
      if (tracer) callers.push(context.active());
      next ??= new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
      const written = next;
      if (!running || wait) schedule();
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
function traced<B>(tracer: Tracer, name: string, callers: TraceContext[], batches: B[], items: number, write: (batches: B[]) => Promise<void>) {
  const links: Link[] = [];
  for (const caller of callers.slice(1)) {
    const spanContext = trace.getSpanContext(caller);
    if (spanContext) links.push({ context: spanContext });
  }
  const attributes = { 'marketgraph.group.batches': batches.length, 'marketgraph.group.items': items };
  return inSpan(tracer, name, { parent: callers[0], links, attributes }, () => write(batches));
}
