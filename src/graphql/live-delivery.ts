import {
  execute,
  GraphQLError,
  Kind,
  print,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLResolveInfo,
  type GraphQLSchema,
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

// A Tick's fields read only the tick: its payload, shared by subscribers, is executed with no
// subscriber's context (and holds on to none).
const PAYLOAD_CONTEXT = Object.freeze({});

// How often a conflating subscriber checks whether its socket has drained.
const DRAIN_POLL_MS = 20;
// Most bytes written to a corked socket before they are let go.
const CORK_BYTES = 64 * 1024;
// A server frame's header: 2 bytes, 4 from 126 bytes of payload, 10 from 64 KiB.
const FRAME_HEADER_BYTES = 4;

/**
 * How to turn a tick into one subscription shape's payload: the shape's key (the selection set
 * under `ticks`, the fragments, and the variables if the selection uses any; the field's own
 * arguments do not change the payload) and what to execute. Subscribers sending the same text
 * share one parsed document (prepare-operation.ts), hence one plan.
 */
interface PayloadPlan {
  key: string;
  document: DocumentNode;
  schema: GraphQLSchema;
  variableValues: Record<string, unknown>;
  operationName: string | undefined;
}

const plans = new WeakMap<object, PayloadPlan>();

function planOf(info: GraphQLResolveInfo): PayloadPlan {
  const node = info.fieldNodes[0]!;
  let plan = plans.get(node);
  if (plan === undefined) {
    const selection = node.selectionSet ? print(node.selectionSet) : '';
    const fragments = Object.values(info.fragments);
    const printedFragments = fragments.map(print).join('\n');
    plan = {
      key: `${info.path.key}\n${selection}\n${printedFragments}`,
      document: { kind: Kind.DOCUMENT, definitions: [info.operation, ...fragments] },
      schema: info.schema,
      // The field's arguments are coerced again when a payload is executed; their values do
      // not change it (the subscription field returns the tick as it is).
      variableValues: info.variableValues,
      operationName: info.operation.name?.value,
    };
    if (/\$/.test(selection) || /\$/.test(printedFragments)) {
      // The payload depends on this subscriber's variables: a plan of its own.
      return { ...plan, key: `${plan.key}\n${JSON.stringify(info.variableValues)}`, variableValues: info.variableValues };
    }
    plans.set(node, plan);
  }
  return plan;
}

const DONE = Object.freeze({ value: undefined, done: true }) as IteratorResult<never>;

/**
 * Sends a subscription's ticks straight to its socket, bypassing graphql-ws's per-subscriber
 * execution: the payload of a tick is computed and serialized once per subscription shape
 * and shared by every subscriber with that shape; only the frame around it, which carries the
 * operation id, is per subscriber.
 *
 * When the socket has more than `maxBufferedBytes` unsent, the subscriber is dropped (the
 * socket is closed with SLOW_SUBSCRIBER_CLOSE) or, with `conflate`, keeps only the newest
 * tick per symbol until the socket drains. Either way its memory is bounded and other
 * subscribers are not held up.
 *
 * It is also graphql-ws's iterator for the operation: one that yields nothing and ends when the
 * subscription does. A class, not closures: thousands of idle subscriptions each hold one.
 */
export class SocketDelivery implements TickSubscriber, AsyncIterableIterator<never> {
  /** Called once when the subscription ends, from either side. */
  onEnd: (() => void) | undefined;
  private readonly prefix: string;
  private readonly plan: PayloadPlan;
  private readonly tcp: { cork(): void; uncork(): void } | undefined;
  /** Bytes written since the socket was corked; -1 when it is not. */
  private corkedBytes = -1;
  /** Conflating: the newest tick per symbol, until the socket drains. */
  private pending: Map<string, LiveTick> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private resolveEnded: ((r: IteratorResult<never>) => void) | undefined;
  private done = false;

  constructor(
    private readonly live: LiveSocket,
    info: GraphQLResolveInfo,
  ) {
    this.prefix = `{"id":${JSON.stringify(live.id)},"type":"next","payload":`;
    this.plan = planOf(info);
    // ws's own field for the TCP socket: corking it makes the frames of one dispatch (a batch of
    // accepted ticks) leave in few writes instead of one write each.
    this.tcp = (live.socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  }

  deliver(event: LiveTick): void {
    const { socket } = this.live;
    if (this.done || socket.readyState !== socket.OPEN) return;
    if (this.pending) {
      this.pending.set(event.tick.symbol, event);
    } else if (this.unsent() <= this.live.maxBufferedBytes) {
      this.send(event);
    } else if (this.live.slowPolicy === 'conflate') {
      this.live.metrics.slowSubscribers.inc({ action: 'conflated' });
      this.pending = new Map([[event.tick.symbol, event]]);
      this.drainTimer = setTimeout(flushWhenDrained, DRAIN_POLL_MS, this);
    } else {
      this.live.metrics.slowSubscribers.inc({ action: 'dropped' });
      this.end();
      socket.close(SLOW_SUBSCRIBER_CLOSE.code, SLOW_SUBSCRIBER_CLOSE.reason);
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.pending = undefined;
    this.onEnd?.();
    this.resolveEnded?.(DONE);
  }

  next(): Promise<IteratorResult<never>> {
    if (this.done) return Promise.resolve(DONE);
    return new Promise((resolve) => (this.resolveEnded = resolve));
  }

  return(): Promise<IteratorResult<never>> {
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** Unsent bytes: corked frames count in `bufferedAmount` but are not a backlog. */
  unsent(): number {
    return this.live.socket.bufferedAmount - Math.max(this.corkedBytes, 0);
  }

  uncork(): void {
    if (this.corkedBytes < 0) return;
    this.corkedBytes = -1;
    this.tcp?.uncork();
  }

  flush(): void {
    this.drainTimer = undefined;
    if (this.done || !this.pending) return;
    if (this.unsent() > this.live.maxBufferedBytes / 2) {
      this.drainTimer = setTimeout(flushWhenDrained, DRAIN_POLL_MS, this);
      return;
    }
    const newest = this.pending;
    this.pending = undefined;
    for (const event of newest.values()) this.send(event);
  }

  private send(event: LiveTick): void {
    const frame = this.prefix + this.payloadOf(event) + '}';
    if (this.tcp) {
      if (this.corkedBytes > CORK_BYTES) this.uncork();
      if (this.corkedBytes < 0) {
        this.corkedBytes = 0;
        this.tcp.cork();
        process.nextTick(uncorkLater, this);
      }
      this.corkedBytes += frame.length + FRAME_HEADER_BYTES;
    }
    this.live.socket.send(frame);
  }

  private payloadOf(event: LiveTick): string {
    const { plan } = this;
    let payload = event.payloads.get(plan.key);
    if (payload === undefined) {
      const result = execute({
        schema: plan.schema,
        document: plan.document,
        rootValue: event,
        contextValue: PAYLOAD_CONTEXT,
        variableValues: plan.variableValues,
        operationName: plan.operationName,
      }) as ExecutionResult; // Tick's fields resolve synchronously
      const masked = result.errors ? { ...result, errors: result.errors.map((e: GraphQLError) => this.live.maskError(e.toJSON(), e)) } : result;
      payload = JSON.stringify(masked);
      event.payloads.set(plan.key, payload);
      this.live.metrics.subscriptionPayloads.inc();
    }
    return payload;
  }
}

const uncorkLater = (delivery: SocketDelivery) => delivery.uncork();
const flushWhenDrained = (delivery: SocketDelivery) => delivery.flush();

/**
 * A subscription's ticks as an async iterator, for operations that do not arrive over a
 * WebSocket (graphql-js executes each one). Holds at most `limit` ticks; beyond, the
 * subscription fails with a message that says to resubscribe.
 */
export class QueueDelivery implements TickSubscriber, AsyncIterableIterator<LiveTick> {
  onEnd: (() => void) | undefined;
  private readonly buffer: LiveTick[] = [];
  private waiting: ((r: IteratorResult<LiveTick>) => void) | undefined;
  private failure: Error | undefined;
  private done = false;

  constructor(private readonly limit: number) {}

  deliver(event: LiveTick): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: event, done: false });
    } else if (this.buffer.length >= this.limit) {
      // Nobody is waiting (else the tick went straight to them): the next read fails.
      this.failure = new GraphQLError(`subscriber fell more than ${this.limit} ticks behind and was dropped; resubscribe with \`after\``);
      this.buffer.length = 0;
      this.end();
    } else {
      this.buffer.push(event);
    }
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.onEnd?.();
    this.waiting?.(DONE);
    this.waiting = undefined;
  }

  next(): Promise<IteratorResult<LiveTick>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.failure) return Promise.reject(this.failure);
    if (this.done) return Promise.resolve(DONE);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<LiveTick>> {
    this.end();
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}
