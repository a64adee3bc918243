import type { OutgoingRecord } from './tick-records.js';

/** A record and the partition it goes to. */
export interface Addressed {
  record: OutgoingRecord;
  partition: number;
}

/** Sends records (in order) and answers each partition's base offset: the offset of its first record in the send. */
export type SendRecords = (records: readonly Addressed[]) => Promise<Map<number, number>>;

// What one send may put in one partition's record batch: below the broker's default
// message.max.bytes (1 MiB), with room for the batch's own framing.
const MAX_BATCH_BYTES = 768 * 1024;
// A record's framing besides its key and value (length, attributes, deltas, headers).
const RECORD_OVERHEAD_BYTES = 96;

const sizeOf = ({ record }: Addressed) => record.symbol.length + record.value.length + RECORD_OVERHEAD_BYTES;

interface Pending {
  records: readonly Addressed[];
  offsets: number[];
  /** Records of this append not yet acknowledged. */
  left: number;
  resolve(offsets: number[]): void;
  reject(error: unknown): void;
}

interface QueuedRecord {
  pending: Pending;
  index: number;
}

/**
 * Appends share sends, the way group commit shares a database's flush: one send is in flight
 * at a time (the idempotent producer allows no more and keeps the order), and the records of
 * every append made meanwhile go together in the next one, up to what a broker takes in one
 * record batch per partition. An append resolves with its records' offsets once all of them
 * are acknowledged; a failed send fails the appends that had records in it. Records keep the
 * order of the appends, so a partition's log has each append's records in order.
 */
export function createSendQueue(send: SendRecords) {
  let queue: QueuedRecord[] = []; // records not yet sent, in order
  let sending = false;

  /**
   * The records of the next send: each partition's first records in the queue, up to
   * MAX_BATCH_BYTES (at least one). A partition that is full waits for the next send with the
   * rest of its records, and the others still fill theirs: one send carries a record batch
   * for every partition that has records queued.
   */
  function nextSend() {
    const bytes = new Map<number, number>();
    const full = new Set<number>();
    const taken: QueuedRecord[] = [];
    const left: QueuedRecord[] = [];
    for (const queued of queue) {
      const addressed = queued.pending.records[queued.index]!;
      const filled = (bytes.get(addressed.partition) ?? 0) + sizeOf(addressed);
      if (full.has(addressed.partition) || (filled > MAX_BATCH_BYTES && bytes.has(addressed.partition))) {
        full.add(addressed.partition);
        left.push(queued);
      } else {
        bytes.set(addressed.partition, filled);
        taken.push(queued);
      }
    }
    queue = left;
    return taken;
  }

  async function drain(): Promise<void> {
    sending = true;
    try {
      while (queue.length > 0) {
        const batch = nextSend();
        let bases: Map<number, number>;
        try {
          bases = await send(batch.map(({ pending, index }) => pending.records[index]!));
        } catch (error) {
          const failed = new Set(batch.map(({ pending }) => pending));
          for (const pending of failed) pending.reject(error);
          // What is still queued of a failed append is not sent.
          for (let i = queue.length - 1; i >= 0; i--) if (failed.has(queue[i]!.pending)) queue.splice(i, 1);
          continue;
        }
        // Within a partition the records of one send keep their order: the n-th has base + n.
        for (const { pending, index } of batch) {
          const partition = pending.records[index]!.partition;
          const offset = bases.get(partition)!;
          bases.set(partition, offset + 1);
          pending.offsets[index] = offset;
          if (--pending.left === 0) pending.resolve(pending.offsets);
        }
      }
    } finally {
      sending = false;
    }
  }

  return {
    /** Resolves with each record's offset once every one is acknowledged. */
    append(records: readonly Addressed[]): Promise<number[]> {
      if (records.length === 0) return Promise.resolve([]);
      return new Promise<number[]>((resolve, reject) => {
        const pending: Pending = { records, offsets: new Array<number>(records.length), left: records.length, resolve, reject };
        for (let index = 0; index < records.length; index++) queue.push({ pending, index });
        if (!sending) void drain();
      });
    },
  };
}
