import type { KafkaMigrationContext } from '../../migrations/module-target.js';
import type { StoredTick, TickInput } from '../ticks/tick-store.js';
import type { TickRun } from './tick-records.js';

export type { TickRun } from './tick-records.js';

/** Receives accepted ticks, in order per symbol. */
export type TickListener = (ticks: readonly StoredTick[]) => void;

interface StreamLifecycle {
  readonly engine: string;
  start(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
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
  /** Live delivery to this gateway process, from now on; returns the function that unsubscribes. */
  subscribe(listener: TickListener): () => void;
}

/** Receives runs of the log (each one symbol's ticks, in log order per partition). */
export type RunListener = (runs: readonly TickRun[]) => void;

/** A record of the log its reader could not read (tick-records.ts, readRun), and what became of it. */
export interface UnreadableRecord {
  partition: number;
  offset: number;
  reason: string;
  /** It names a record format after the ones this version reads: a later version wrote it. */
  newer: boolean;
  /** Passed over; false where the sink stopped at it. */
  skipped: boolean;
}

export type UnreadableListener = (record: UnreadableRecord) => void;

/** What a consumer group member hears besides its batches (DurableTickStream.consume). */
export interface ConsumeEvents {
  dealt?: () => void;
  unreadable?: UnreadableListener;
  behind?: (partition: number, records: number) => void;
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
  /**
   * Resolves once every tick is durable (acknowledged by all in-sync replicas), with the runs
   * they were appended as: each symbol's ticks in input order, numbered (tick-records.ts).
   */
  append(ticks: readonly TickInput[]): Promise<TickRun[]>;
  /**
   * Live delivery to this gateway process of every process's appends, from now on, as runs
   * whose ticks are decoded only if asked for; returns the function that unsubscribes. A record
   * that cannot be read is passed over and told to `unreadable`: the records after it still come.
   */
  follow(listener: RunListener, unreadable?: UnreadableListener): () => void;
  /**
   * Hands every tick ever appended to `handler`, batch by batch, at least once, in order per
   * symbol, sharing partitions with the other members of `group`. A batch's position is
   * committed only after `handler` resolves, so after a crash a batch may come again:
   * the handler must be idempotent. `dealt` is called whenever the group deals out the
   * partitions again, before the first batch that follows: from then on, other members may
   * have stored what this one is handed.
   *
   * A record that cannot be read is told to `unreadable`. One a later version of marketgraph
   * wrote stops its partition here: what comes before it is handed and committed, the rest
   * waits for a member that reads it (the group deals the partition to it once this process
   * is upgraded). Any other is passed over: no version reads it, and the records after it are
   * what the gateway acknowledged.
   *
   * `behind` tells how many records of a partition this member has still to hand and commit, as
   * far as the log's end is known from the partition's last fetch: before each batch is handed
   * (the batch included), and once it is committed (or stopped).
   */
  consume(group: string, handler: (runs: TickRun[]) => Promise<void>, events?: ConsumeEvents): Promise<void>;
  /**
   * The last seq per partition that the log holds or, with `group`, that this consumer group
   * handled and committed (-1 where nothing is). A seq past every tick of the last record.
   */
  positions(group?: string): Promise<Map<number, number>>;
}

export type TickStream = LocalTickStream | DurableTickStream;
