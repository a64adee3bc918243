import type { KafkaMigrationContext } from '../../migrations/module-target.js';
import type { StoredTick, TickInput } from '../ticks/tick-store.js';

/** Receives accepted ticks, in order per symbol. */
export type TickListener = (ticks: readonly StoredTick[]) => void;

interface StreamLifecycle {
  readonly engine: string;
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Live delivery to this gateway process, from now on; returns the function that unsubscribes. */
  subscribe(listener: TickListener): () => void;
  /**
   * The partition of the log a symbol's ticks go to. Within a partition `seq` grows in the
   * order ticks were accepted, so (partition, seq) is a position a subscriber can resume from.
   */
  partitionOf(symbol: string): number;
  /** How many partitions the log has: a subscription cursor names at most these. */
  partitionCount(): number;
}

/**
 * In-process publish/subscribe: the gateway stores ticks itself, then publishes them here.
 * Nothing survives the process, and only this process's subscribers see them.
 */
export interface LocalTickStream extends StreamLifecycle {
  readonly kind: 'local';
  publish(ticks: readonly StoredTick[]): Promise<void>;
}

/**
 * A durable, partitioned log (Kafka protocol: Redpanda, Apache Kafka). Appending is the
 * acknowledgement: the log assigns each tick's `seq` (its offset), every gateway process's
 * subscribers see every tick, and a sink writes the log to the tick store.
 */
export interface DurableTickStream extends StreamLifecycle {
  readonly kind: 'durable';
  /** An admin client (not connected) and the topic's settings, for the stream's migrations. */
  kafkaAdmin?(): KafkaMigrationContext;
  /** Resolves once every tick is durable (acknowledged by all in-sync replicas); ticks in input order with their seq. */
  append(ticks: readonly TickInput[]): Promise<StoredTick[]>;
  /**
   * Hands every tick ever appended to `handler`, batch by batch, at least once, in order per
   * symbol, sharing partitions with the other members of `group`. A batch's position is
   * committed only after `handler` resolves, so after a crash a batch may come again:
   * the handler must be idempotent.
   */
  consume(group: string, handler: (ticks: StoredTick[]) => Promise<void>): Promise<void>;
  /**
   * The last offset per partition: appended to the log, or, with `group`, handled and
   * committed by that consumer group (-1 where nothing is).
   */
  positions(group?: string): Promise<Map<number, number>>;
}

export type TickStream = LocalTickStream | DurableTickStream;
