import {
  execute,
  GraphQLError,
  Kind,
  print,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLResolveInfo,
} from 'graphql';
import type { WebSocket } from 'ws';
import type { Metrics } from '../metrics.js';
import type { LiveTick, TickSubscriber } from './tick-hub.js';

/** What a subscriber that falls behind gets (SUBSCRIPTION_SLOW_POLICY). */
export type SlowPolicy = 'drop' | 'conflate';

/**
 * The close code a socket gets when a subscriber fell too far behind (policy `drop`). It is
 * outside graphql-ws's fatal codes, so its client reconnects; with `after` set to the last
 * cursor it received, it resumes without a gap.
 */
export const SLOW_SUBSCRIBER_CLOSE = { code: 4008, reason: 'Slow subscriber: too much unsent data' } as const;

/** A WebSocket operation's delivery target, given to resolvers through the context. */
export interface LiveSocket {
  socket: WebSocket;
  /** The graphql-ws operation id. */
  id: string;
  maxBufferedBytes: number;
  slowPolicy: SlowPolicy;
  maskError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  metrics: Pick<Metrics, 'subscriptionPayloads' | 'slowSubscribers'>;
}

// How often a conflating subscriber checks whether its socket has drained.
const DRAIN_POLL_MS = 20;
// Most bytes written to a corked socket before they are let go.
const CORK_BYTES = 64 * 1024;
// A server frame's header: 2 bytes, 4 from 126 bytes of payload, 10 from 64 KiB.
const FRAME_HEADER_BYTES = 4;

/**
 * Sends a subscription's ticks straight to its socket, bypassing graphql-ws's per-subscriber
 * execution: the payload of a tick is computed and serialized once per subscription shape
 * (the selection set under `ticks`) and shared by every subscriber with that shape; only the
 * frame around it, which carries the operation id, is per subscriber.
 *
 * When the socket has more than `maxBufferedBytes` unsent, the subscriber is dropped (the
 * socket is closed with SLOW_SUBSCRIBER_CLOSE) or, with `conflate`, keeps only the newest
 * tick per symbol until the socket drains. Either way its memory is bounded and other
 * subscribers are not held up.
 *
 * Returns the subscriber and an iterator for graphql-ws that yields nothing and ends when the
 * subscription does.
 */
export function socketDelivery(live: LiveSocket, info: GraphQLResolveInfo, contextValue: unknown) {
  const { socket } = live;
  const shape = shapeOf(info);
  const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [info.operation, ...Object.values(info.fragments)] };
  const prefix = `{"id":${JSON.stringify(live.id)},"type":"next","payload":`;
  let pending: Map<string, LiveTick> | undefined; // conflating: the newest tick per symbol
  let drainTimer: NodeJS.Timeout | undefined;
  let resolveEnded!: (r: IteratorResult<never>) => void;
  const ended = new Promise<IteratorResult<never>>((resolve) => (resolveEnded = resolve));
  let onEnd: (() => void) | undefined;
  let done = false;

  const payloadOf = (event: LiveTick): string => {
    let payload = event.payloads.get(shape);
    if (payload === undefined) {
      const result = execute({
        schema: info.schema,
        document,
        rootValue: event,
        contextValue,
        variableValues: info.variableValues,
        operationName: info.operation.name?.value,
      }) as ExecutionResult; // Tick's fields resolve synchronously
      const masked = result.errors ? { ...result, errors: result.errors.map((e: GraphQLError) => live.maskError(e.toJSON(), e)) } : result;
      payload = JSON.stringify(masked);
      event.payloads.set(shape, payload);
      live.metrics.subscriptionPayloads.inc();
    }
    return payload;
  };

  // The frames of one dispatch (a batch of accepted ticks) leave in few writes: the TCP socket
  // under the WebSocket is corked at the first frame and uncorked once the dispatch is over, or
  // every CORK_BYTES. (`_socket` is ws's own field for it; without it, each frame is a write.)
  // Corked frames count in `bufferedAmount` but are not a backlog: `unsent()` leaves them out.
  const tcp = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  let corkedBytes = -1; // -1: not corked
  const uncork = () => {
    if (corkedBytes < 0) return;
    corkedBytes = -1;
    tcp?.uncork();
  };
  const unsent = () => socket.bufferedAmount - Math.max(corkedBytes, 0);
  const send = (event: LiveTick) => {
    const frame = prefix + payloadOf(event) + '}';
    if (tcp) {
      if (corkedBytes > CORK_BYTES) uncork();
      if (corkedBytes < 0) {
        corkedBytes = 0;
        tcp.cork();
        process.nextTick(uncork);
      }
      corkedBytes += frame.length + FRAME_HEADER_BYTES;
    }
    socket.send(frame);
  };

  const flushWhenDrained = () => {
    drainTimer = undefined;
    if (done || !pending) return;
    if (unsent() > live.maxBufferedBytes / 2) {
      drainTimer = setTimeout(flushWhenDrained, DRAIN_POLL_MS);
      return;
    }
    const newest = pending;
    pending = undefined;
    for (const event of newest.values()) send(event);
  };

  const end = () => {
    if (done) return;
    done = true;
    if (drainTimer) clearTimeout(drainTimer);
    pending = undefined;
    onEnd?.();
    resolveEnded({ value: undefined, done: true });
  };

  const subscriber: TickSubscriber = {
    deliver(event) {
      if (done || socket.readyState !== socket.OPEN) return;
      if (pending) {
        pending.set(event.tick.symbol, event);
      } else if (unsent() <= live.maxBufferedBytes) {
        send(event);
      } else if (live.slowPolicy === 'conflate') {
        live.metrics.slowSubscribers.inc({ action: 'conflated' });
        pending = new Map([[event.tick.symbol, event]]);
        drainTimer = setTimeout(flushWhenDrained, DRAIN_POLL_MS);
      } else {
        live.metrics.slowSubscribers.inc({ action: 'dropped' });
        end();
        socket.close(SLOW_SUBSCRIBER_CLOSE.code, SLOW_SUBSCRIBER_CLOSE.reason);
      }
    },
  };

  const iterator: AsyncIterableIterator<never> = {
    next: () => ended,
    return: () => {
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    subscriber,
    iterator,
    end,
    /** Called once when the subscription ends, from either side. */
    set onEnd(callback: () => void) {
      onEnd = callback;
    },
  };
}

/**
 * The part of an operation that decides a tick's payload: the subscription field's response
 * key and selection set, the fragments, and the variables if the selection uses any.
 * Arguments of the field itself (symbols, after) do not change the payload.
 */
function shapeOf(info: GraphQLResolveInfo): string {
  const node = info.fieldNodes[0]!;
  const selection = node.selectionSet ? print(node.selectionSet) : '';
  const fragments = Object.values(info.fragments).map(print).join('\n');
  const usesVariables = /\$/.test(selection) || /\$/.test(fragments);
  return `${info.path.key}\n${selection}\n${fragments}${usesVariables ? `\n${JSON.stringify(info.variableValues)}` : ''}`;
}

/**
 * A subscription's ticks as an async iterator, for operations that do not arrive over a
 * WebSocket (graphql-js executes each one). Holds at most `limit` ticks; beyond, the
 * subscription fails with a message that says to resubscribe.
 */
export function queueDelivery(limit: number) {
  const buffer: LiveTick[] = [];
  let waiting: ((r: IteratorResult<LiveTick>) => void) | undefined;
  let failure: Error | undefined;
  let done = false;
  let onEnd: (() => void) | undefined;

  const end = () => {
    if (done) return;
    done = true;
    onEnd?.();
    waiting?.({ value: undefined, done: true });
    waiting = undefined;
  };

  const subscriber: TickSubscriber = {
    deliver(event) {
      if (done) return;
      if (waiting) {
        const resolve = waiting;
        waiting = undefined;
        resolve({ value: event, done: false });
      } else if (buffer.length >= limit) {
        // Nobody is waiting (else the tick went straight to them): the next read fails.
        failure = new GraphQLError(`subscriber fell more than ${limit} ticks behind and was dropped; resubscribe with \`after\``);
        buffer.length = 0;
        end();
      } else {
        buffer.push(event);
      }
    },
  };

  const iterator: AsyncIterableIterator<LiveTick> = {
    next() {
      if (buffer.length > 0) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      end();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };

  return {
    subscriber,
    iterator,
    end,
    set onEnd(callback: () => void) {
      onEnd = callback;
    },
  };
}
