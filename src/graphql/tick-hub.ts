import { badInput } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { AcceptedListener } from '../ingest/tick-ingest.js';
import { sinkReached } from '../ingest/tick-sink.js';
import type { TickStream } from '../stores/stream/tick-stream.js';
import type { StoredTick, TickStore } from '../stores/ticks/tick-store.js';
import { decodeLiveCursor, liveCursor, type StreamPositions } from './cursor.js';

/**
 * One accepted tick on its way to subscribers. `cursor` is where a subscriber stands once it
 * has this tick: the same for every subscriber, so a shape's payload is serialized once per
 * tick and kept in `payloads` while the tick is handed out.
 */
export interface LiveTick {
  readonly tick: StoredTick;
  readonly cursor: string;
  readonly payloads: Map<string, string>;
}

/** Where a subscription's ticks go, in order. */
export interface TickSubscriber {
  deliver(event: LiveTick): void;
}

export interface TickSubscription {
  /** Resolves once missed ticks (with `after`) are handed over; live ticks follow. */
  readonly ready: Promise<void>;
  close(): void;
}

export interface TickHubOptions {
  onAccepted: (listener: AcceptedListener, wants?: (symbol: string) => boolean) => () => void;
  stream: TickStream;
  ticks: TickStore;
  metrics: Metrics;
  /** A durable stream's sink group: a replay waits until it has stored what is to be replayed. */
  sinkGroup?: string;
  /** Most ticks one resume may replay; beyond, the subscriber is told to re-read with `ticks`. */
  replayMax: number;
  /**
   * Resolves once the stream has started (a durable one: its live feed placed). The hub reads the
   * stream's position only then: read before, it could be behind where the live feed starts,
   * and a resume's replay would stop short of the first tick the feed hands on.
   */
  streamStarted?: Promise<unknown>;
}

// How long a resume waits for the stream's sink to store the ticks it must replay.
const SINK_WAIT_MS = 10_000;
const SINK_POLL_MS = 100;
const POSITION_RETRY_MS = 2_000;

/**
 * Fans accepted ticks out to subscriptions. The hub listens to accepted ticks once per
 * gateway process and indexes subscribers by symbol, so a tick costs one lookup, not one
 * filter per subscriber. It also keeps this process's position in the stream (the last seq
 * seen per partition), which is what a delivered tick's cursor says: a subscription resumed
 * from a cursor replays the ticks of its symbols accepted after that position from the tick
 * store, then continues live, with no gap and no duplicate.
 */
export function createTickHub({ onAccepted, stream, ticks, metrics, sinkGroup, replayMax, streamStarted }: TickHubOptions) {
  const bySymbol = new Map<string, Set<TickSubscriber>>();
  const seen = new Map<number, number>();
  let unsubscribe: (() => void) | undefined;
  let stopped = false;

  function onTicks(accepted: readonly StoredTick[], through?: ReadonlyMap<number, number>) {
    // Ticks often come in runs of one symbol (a batch, a record): its partition and subscribers
    // are looked up once a run. The partition's position is kept here and written to `seen`
    // when the partition changes, at the end, and before a delivery (whose cursor reads `seen`).
    let symbol: string | undefined;
    let subscribers: Set<TickSubscriber> | undefined;
    let partition = -1;
    let position = -1;
    const writeBack = () => {
      if (position >= 0) seen.set(partition, position);
    };
    for (const tick of accepted) {
      if (tick.symbol !== symbol) {
        symbol = tick.symbol;
        subscribers = bySymbol.get(symbol);
        const p = stream.partitionOf(symbol);
        if (p !== partition) {
          writeBack();
          partition = p;
          position = seen.get(p) ?? -1;
        }
      }
      if (tick.seq <= position) continue; // the stream delivered it twice
      position = tick.seq;
      if (!subscribers) continue;
      writeBack();
      const event: LiveTick = { tick, cursor: liveCursor(seen), payloads: new Map() };
      for (const subscriber of subscribers) subscriber.deliver(event);
      metrics.ticksDelivered.inc(subscribers.size);
    }
    writeBack();
    // Where the stream went past ticks no subscriber here wanted (so they were not decoded).
    if (through) for (const [p, seq] of through) if (seq > (seen.get(p) ?? -1)) seen.set(p, seq);
  }

  async function replay(symbols: readonly string[], after: StreamPositions, upto: StreamPositions, deliver: (e: LiveTick) => void) {
    const byPartition = new Map<number, string[]>();
    for (const s of symbols) {
      const p = stream.partitionOf(s);
      const list = byPartition.get(p);
      if (list) list.push(s);
      else byPartition.set(p, [s]);
    }
    for (const p of byPartition.keys()) {
      if (!after.has(p)) throw badInput('`after` is not a cursor of this gateway’s tick stream', 'after');
    }
    if (stream.kind === 'durable' && sinkGroup) await sinkCaughtUp(upto, [...byPartition.keys()]);
    const position = new Map(after);
    let budget = replayMax;
    for (const [p, partitionSymbols] of byPartition) {
      const from = after.get(p)!;
      const to = upto.get(p) ?? -1;
      if (to <= from) continue;
      const missed = await ticks.acceptedAfter(partitionSymbols, from, to, budget + 1);
      if (missed.length > budget)
        throw badInput(`more than ${replayMax} ticks were missed since \`after\`: read them with the \`ticks\` query, then subscribe without \`after\``, 'after');
      budget -= missed.length;
      for (const tick of missed) {
        position.set(p, tick.seq);
        deliver({ tick, cursor: liveCursor(position), payloads: new Map() });
      }
    }
  }

  /** Waits until the sink group has stored every partition up to `upto`. */
  async function sinkCaughtUp(upto: StreamPositions, partitions: number[]) {
    if (stream.kind !== 'durable') return;
    const wanted = new Map(partitions.map((p) => [p, upto.get(p) ?? -1]));
    if (!(await sinkReached(stream, sinkGroup!, wanted, { timeoutMs: SINK_WAIT_MS, pollMs: SINK_POLL_MS })))
      throw new Error('the tick store is behind the stream: missed ticks cannot be replayed yet');
  }

  return {
    /**
     * Listens, and learns the stream's current position (retried every 2 s while its store is
     * down; until then a cursor names only the partitions this process has seen ticks of).
     */
    async start() {
      unsubscribe = onAccepted(onTicks, (symbol) => bySymbol.has(symbol));
      await streamStarted?.catch(() => undefined); // not started: the positions are asked for until they come
      while (!stopped) {
        try {
          const positions = stream.kind === 'durable' ? await stream.positions() : new Map([[0, await ticks.maxSeq()]]);
          for (const [p, seq] of positions) seen.set(p, Math.max(seq, seen.get(p) ?? -1));
          return;
        } catch {
          await new Promise((r) => setTimeout(r, POSITION_RETRY_MS));
        }
      }
    },
    stop() {
      stopped = true;
      unsubscribe?.();
      bySymbol.clear();
    },
    /** The positions a subscription cursor names, or BAD_USER_INPUT when it cannot be one of this stream's. */
    positionsOf(cursor: string): StreamPositions {
      return decodeLiveCursor(cursor, stream.partitionCount());
    },
    /**
     * Hands `subscriber` the ticks of `symbols` from now on, each once, in the order they were
     * accepted; with `from` (positionsOf a delivered tick's cursor), first the ticks it missed since.
     */
    subscribe(symbols: readonly string[], subscriber: TickSubscriber, from?: StreamPositions): TickSubscription {
      const unique = [...new Set(symbols)];
      // Live ticks that arrive during a replay wait behind it, as many as a replay may hand over:
      // a replay that waits on the sink (up to 10 s) under a heavy feed would otherwise hold
      // every tick of its symbols meanwhile, once per resuming subscription (issue 13).
      let held: LiveTick[] | undefined = from ? [] : undefined;
      let overflowed = false;
      const hold = (e: LiveTick) => {
        if (overflowed) return;
        if (held!.length < replayMax) return void held!.push(e);
        overflowed = true; // the subscription fails once the replay ends: nothing held is delivered
        held = [];
      };
      const target: TickSubscriber = from ? { deliver: (e) => (held === undefined ? subscriber.deliver(e) : hold(e)) } : subscriber;
      for (const s of unique) {
        let set = bySymbol.get(s);
        if (!set) bySymbol.set(s, (set = new Set()));
        set.add(target);
      }
      metrics.subscriptionsActive.inc();
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        for (const s of unique) {
          const set = bySymbol.get(s);
          set?.delete(target);
          if (set?.size === 0) bySymbol.delete(s);
        }
        metrics.subscriptionsActive.dec();
      };
      const upto = new Map(seen);
      const ready = from
        ? replay(unique, from, upto, (e) => subscriber.deliver(e)).then(
            () => {
              if (overflowed) {
                close();
                throw badInput(`more than ${replayMax} ticks arrived while missed ones were replayed: read them with the \`ticks\` query, then subscribe again`, 'after');
              }
              const waiting = held!;
              held = undefined;
              for (const e of waiting) subscriber.deliver(e);
            },
            (error: unknown) => {
              close();
              throw error;
            },
          )
        : Promise.resolve();
      return { ready, close };
    },
  };
}

export type TickHub = ReturnType<typeof createTickHub>;
