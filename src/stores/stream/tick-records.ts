import { scanTickRows } from '../../http/insert-ticks-body.js';
import { createRecordWriter } from './record-writer.js';
import type { StoredTick, TickInput } from '../ticks/tick-store.js';

/**
 * How ticks are laid out as records of a Kafka-protocol log, and how a tick's `seq` follows
 * from its record's offset. Two formats, told apart by a record header:
 *
 * - **Format 2** (written since issue 15): one record carries up to `MAX_TICKS_PER_RECORD`
 *   ticks of one symbol, in the order they were accepted, as JSONEachRow: one JSON object per
 *   line, each a whole tick with its symbol, e.g.
 *   `{"symbol":"EURUSD","time":1767225600000,"bid":1.1,"ask":1.1002,"last":null,"volume":1,"flags":6}`
 *   (`time` is epoch milliseconds). ClickHouse's Kafka table engine reads such a record as
 *   several rows; any consumer can split it on '\n'. The key is the symbol. Headers:
 *   `marketgraph-format: 2`, `marketgraph-ticks: <count>`, `marketgraph-times: <min>-<max>`
 *   (epoch ms), so that a reader can skip a record without parsing it.
 *   The n-th tick of the record at offset `o` has `seq = o * SEQ_STRIDE + n`.
 * - **Format 1** (before issue 15): one tick per record, the same JSON object, no header;
 *   `seq` is the offset. Still read, so a topic written by an earlier version stays usable
 *   and the cursors it issued stay valid: in every partition format-1 records come before
 *   format-2 ones, so `seq` keeps growing across the change (as long as no earlier version
 *   still writes to the topic: see the README).
 */
export const FORMAT_HEADER = 'marketgraph-format';
export const TICKS_HEADER = 'marketgraph-ticks';
export const TIMES_HEADER = 'marketgraph-times';
export const FORMAT = '2';

/** Offsets are multiplied by this: a record holds at most this many ticks. */
export const SEQ_STRIDE = 1024;
/**
 * Ticks per record, at most. Records of 100 to 1,000 ticks took both Kafka clients past
 * 500,000 ticks/s in bench/kafka.ts, where one tick per record stayed under 180,000.
 */
export const MAX_TICKS_PER_RECORD = 500;
// A record's value, at most: well inside the broker's default message.max.bytes (1 MiB).
const MAX_RECORD_BYTES = 256 * 1024;

/** A seq can be a JavaScript number (and a ClickHouse UInt64) up to offsets of 2^43 per partition. */
export const MAX_OFFSET = Math.floor(Number.MAX_SAFE_INTEGER / SEQ_STRIDE);

/** A run of one symbol's ticks as one record: what the log holds, and what its readers are given. */
export interface TickRun {
  readonly symbol: string;
  readonly partition: number;
  /** The seq of the run's first tick; the others follow one by one. */
  readonly firstSeq: number;
  readonly count: number;
  readonly minTime: number;
  readonly maxTime: number;
  /** The ticks, decoded at each call (a reader that does not need them never pays for it). */
  ticks(): readonly StoredTick[];
  /** The run's newest tick (the last one with the greatest time), decoding as little as it can. */
  newest(): StoredTick;
}

/** The last tick with the greatest time. */
const newestOf = (ticks: readonly StoredTick[]) => ticks.reduce((a, b) => (b.time >= a.time ? b : a));

export const lastSeqOf = (run: TickRun) => run.firstSeq + run.count - 1;

/** A record to send: the ticks of one symbol, encoded, keyed by the symbol. */
export interface OutgoingRecord {
  symbol: string;
  /** JSONEachRow, UTF-8. */
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Cuts a batch into records: ticks grouped by symbol, each symbol's in batch order, at most
 * MAX_TICKS_PER_RECORD ticks and MAX_RECORD_BYTES per record. The lines are written straight
 * into bytes (record-writer.ts): no string per tick, which the garbage collector would collect
 * again at every batch.
 */
export function toRecords(ticks: readonly TickInput[]): OutgoingRecord[] {
  const bySymbol = new Map<string, TickInput[]>();
  for (const tick of ticks) {
    const list = bySymbol.get(tick.symbol);
    if (list) list.push(tick);
    else bySymbol.set(tick.symbol, [tick]);
  }
  const records: OutgoingRecord[] = [];
  for (const [symbol, own] of bySymbol) {
    const writer = createRecordWriter(symbol, MAX_RECORD_BYTES);
    let start = 0;
    let minTime = Infinity;
    let maxTime = -Infinity;
    const flush = (end: number) => {
      records.push({
        symbol,
        value: writer.take(),
        headers: { [FORMAT_HEADER]: FORMAT, [TICKS_HEADER]: String(end - start), [TIMES_HEADER]: `${minTime}-${maxTime}` },
      });
      start = end;
      minTime = Infinity;
      maxTime = -Infinity;
    };
    for (let n = 0; n < own.length; n++) {
      const tick = own[n]!;
      if (n - start === MAX_TICKS_PER_RECORD || (n > start && !writer.fits())) flush(n);
      writer.line(tick);
      if (tick.time < minTime) minTime = tick.time;
      if (tick.time > maxTime) maxTime = tick.time;
    }
    flush(own.length);
  }
  return records;
}

/** The seq of a record's first tick: format 2 spaces offsets by SEQ_STRIDE, format 1 is the offset. */
export function firstSeqOf(offset: number, format2: boolean): number {
  if (!format2) return offset;
  if (offset > MAX_OFFSET) throw new Error(`offset ${offset} is past what a tick's seq can number (${MAX_OFFSET})`);
  return offset * SEQ_STRIDE;
}

/** The last seq a partition's log holds when its last record is at `offset` (-1: none): what a cursor may name. */
export const positionAfter = (offset: number) => (offset < 0 ? -1 : offset * SEQ_STRIDE + SEQ_STRIDE - 1);

export interface IncomingRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  offset: number;
  partition: number;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

const headerText = (value: Buffer | string | (Buffer | string)[] | undefined) =>
  value === undefined ? undefined : Array.isArray(value) ? String(value[0]) : String(value);

/** A record read from the log as a run, without decoding its ticks (nor its value's text). */
export function runOf(record: IncomingRecord): TickRun {
  const value = record.value ?? '';
  const text = (from = 0) => (typeof value === 'string' ? value.slice(from) : value.toString('utf8', from));
  const format2 = headerText(record.headers?.[FORMAT_HEADER]) === FORMAT;
  const firstSeq = firstSeqOf(record.offset, format2);
  // Not kept: a run is held for seconds (the duplicate check), and its ticks would then live
  // through several young-generation collections; decoding again costs less than that.
  const ticks = () => (typeof value === 'string' ? decodeLines(value, firstSeq) : decodeRows(value, firstSeq));
  if (!format2) {
    // Format 1: one tick, read now (its time is needed, and there is nothing to save).
    const [tick] = ticks();
    return { symbol: tick!.symbol, partition: record.partition, firstSeq, count: 1, minTime: tick!.time, maxTime: tick!.time, ticks, newest: () => tick! };
  }
  const count = Number(headerText(record.headers?.[TICKS_HEADER]));
  const [minTime, maxTime] = (headerText(record.headers?.[TIMES_HEADER]) ?? '').split('-').map(Number);
  if (!(count >= 1 && count <= SEQ_STRIDE) || !Number.isFinite(minTime) || !Number.isFinite(maxTime))
    throw new Error(`record at offset ${record.offset} of partition ${record.partition} has malformed marketgraph headers`);
  const newest = () => {
    // Ticks in time order (the common case) end with the newest: only the last line is read.
    const [last] = decodeLines(text(value.lastIndexOf('\n') + 1), firstSeq + count - 1);
    return last!.time === maxTime ? last! : newestOf(ticks());
  };
  return { symbol: String(record.key), partition: record.partition, firstSeq, count, minTime: minTime!, maxTime: maxTime!, ticks, newest };
}

/**
 * Decodes a record's bytes into ticks numbered from `firstSeq`: with the byte scanner the HTTP
 * fast path reads bodies with (no JSON.parse object and string per tick), or JSON.parse for
 * rows it does not take (another program's record may have escapes or other keys).
 */
function decodeRows(bytes: Buffer, firstSeq: number): StoredTick[] {
  const rows = scanTickRows(bytes);
  if (!rows) return decodeLines(bytes.toString('utf8'), firstSeq);
  const ticks = rows as StoredTick[];
  for (let n = 0; n < ticks.length; n++) ticks[n]!.seq = firstSeq + n;
  return ticks;
}

/** Decodes JSONEachRow lines (one line: a format-1 record) into ticks numbered from `firstSeq`. */
export function decodeLines(text: string, firstSeq: number): StoredTick[] {
  const rows = JSON.parse(`[${text.replaceAll('\n', ',')}]`) as TickInput[];
  return rows.map((t, n) => numbered(t, firstSeq + n));
}

/** A tick with its seq, absent optional fields as null (a row written by another program may omit them). */
export const numbered = (t: TickInput, seq: number): StoredTick => ({
  symbol: t.symbol,
  time: t.time,
  bid: t.bid,
  ask: t.ask,
  last: t.last ?? null,
  volume: t.volume ?? null,
  flags: t.flags ?? null,
  seq,
});
