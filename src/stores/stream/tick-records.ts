import type { StoredTick, TickInput } from '../ticks/tick-store.js';
import type { RowBinaryTicks } from '../ticks/row-binary-ticks.js';
import { createJsonWriter, readJsonLines, readJsonRows, readLastJsonRow } from './json-records.js';
import { createRowBinaryWriter, notOfSymbol, readLastRowBinary, readRowBinary, readRowBinaryTimes } from './row-binary-records.js';

/**
 * How ticks are laid out as records of a Kafka-protocol log, and how a tick's `seq` follows
 * from its record's offset. Three formats, told apart by a record header:
 *
 * - **Format 3** (what the gateway writes unless told otherwise): one record carries up to
 *   `MAX_TICKS_PER_RECORD` ticks of one symbol, in the order they were accepted, as rows of
 *   ClickHouse's RowBinary format (row-binary-records.ts has the structure). The key is the
 *   symbol. Headers: `marketgraph-format: 3`, `marketgraph-ticks: <count>`,
 *   `marketgraph-times: <min>-<max>` (epoch ms), so that a reader can skip a record without
 *   reading it. The n-th tick of the record at offset `o` has `seq = o * SEQ_STRIDE + n`.
 * - **Format 2** (written since issue 15, and with `KAFKA_RECORD_FORMAT=json`): the same, with
 *   the ticks as JSONEachRow lines (json-records.ts), for consumers that read JSON.
 * - **Format 1** (before issue 15): one tick per record, the same JSON object, no header;
 *   `seq` is the offset. Still read, so a topic written by an earlier version stays usable
 *   and the cursors it issued stay valid: in every partition format-1 records come before
 *   the others, so `seq` keeps growing across the change (as long as no earlier version
 *   still writes to the topic: see the README).
 */
export const FORMAT_HEADER = 'marketgraph-format';
export const TICKS_HEADER = 'marketgraph-ticks';
export const TIMES_HEADER = 'marketgraph-times';

/** What the gateway writes: RowBinary (format 3), or JSONEachRow (format 2) for JSON consumers. */
export const RECORD_FORMATS = ['rowbinary', 'json'] as const;
export type RecordFormat = (typeof RECORD_FORMATS)[number];

/** Each written format: its header value, its writer, and how a record's rows are read. */
const FORMATS = {
  rowbinary: { header: '3', writer: createRowBinaryWriter, rows: readRowBinary, times: readRowBinaryTimes, lastRow: readLastRowBinary },
  json: { header: '2', writer: createJsonWriter, rows: readJsonRows, times: timesOfRows(readJsonRows), lastRow: readLastJsonRow },
} satisfies Record<RecordFormat, unknown>;
const BY_HEADER = new Map(Object.values(FORMATS).map((f) => [f.header, f]));

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
  /** The ticks' times, in run order: of a format-3 record, read without decoding the ticks. */
  times(): Float64Array;
  /** The run's newest tick (the last one with the greatest time), decoding as little as it can. */
  newest(): StoredTick;
  /** A format-3 record's rows as they are, for a store to insert without decoding them (absent for other formats). */
  readonly rowBinary?: RowBinaryTicks;
}

/** A format's times read through its ticks (JSON: parsing a row costs the same either way); every row of `symbol`. */
function timesOfRows(rows: (bytes: Buffer, firstSeq: number) => StoredTick[]) {
  return (bytes: Buffer, times: Float64Array, symbol: Buffer): number => {
    const ticks = rows(bytes, 0);
    const name = symbol.toString();
    for (const t of ticks) if (t.symbol !== name) throw notOfSymbol(t.symbol, name);
    for (let n = 0; n < ticks.length && n < times.length; n++) times[n] = ticks[n]!.time;
    return ticks.length;
  };
}

/** The last tick with the greatest time. */
const newestOf = (ticks: readonly StoredTick[]) => ticks.reduce((a, b) => (b.time >= a.time ? b : a));

export const lastSeqOf = (run: TickRun) => run.firstSeq + run.count - 1;

/** A record to send: the ticks of one symbol, encoded, keyed by the symbol. */
export interface OutgoingRecord {
  symbol: string;
  /** The ticks' rows, in the record's format. */
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Cuts a batch into records: ticks grouped by symbol, each symbol's in batch order, at most
 * MAX_TICKS_PER_RECORD ticks and MAX_RECORD_BYTES per record. The rows are written straight
 * into bytes: no string per tick, which the garbage collector would collect again at every batch.
 */
export function toRecords(ticks: readonly TickInput[], format: RecordFormat = 'rowbinary'): OutgoingRecord[] {
  const { header, writer: createWriter } = FORMATS[format];
  const bySymbol = new Map<string, TickInput[]>();
  for (const tick of ticks) {
    const list = bySymbol.get(tick.symbol);
    if (list) list.push(tick);
    else bySymbol.set(tick.symbol, [tick]);
  }
  const records: OutgoingRecord[] = [];
  for (const [symbol, own] of bySymbol) {
    const writer = createWriter(symbol, MAX_RECORD_BYTES);
    let start = 0;
    let minTime = Infinity;
    let maxTime = -Infinity;
    const flush = (end: number) => {
      records.push({
        symbol,
        value: writer.take(),
        headers: { [FORMAT_HEADER]: header, [TICKS_HEADER]: String(end - start), [TIMES_HEADER]: `${minTime}-${maxTime}` },
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

/** The seq of the first tick of a format-2 or format-3 record (a format-1 record's seq is its offset). */
function firstSeqOf(offset: number): number {
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

/** A record read from the log as a run, without decoding its ticks. */
export function runOf(record: IncomingRecord): TickRun {
  const bytes = typeof record.value === 'string' ? Buffer.from(record.value) : (record.value ?? Buffer.alloc(0));
  const formatHeader = headerText(record.headers?.[FORMAT_HEADER]);
  if (formatHeader === undefined) {
    // Format 1: one tick, read now (its time is needed, and there is nothing to save).
    const rows = readJsonLines(bytes.toString('utf8'), record.offset);
    if (rows.length !== 1) throw new Error(`record at offset ${record.offset} of partition ${record.partition} has no marketgraph-format header and is not one JSON tick`);
    const [tick] = rows;
    const one = { symbol: tick!.symbol, partition: record.partition, firstSeq: record.offset, count: 1, minTime: tick!.time, maxTime: tick!.time };
    return { ...one, ticks: () => [{ ...tick! }], times: () => Float64Array.of(tick!.time), newest: () => tick! };
  }
  const where = `record at offset ${record.offset} of partition ${record.partition}`;
  const symbol = String(record.key);
  const format = BY_HEADER.get(formatHeader);
  if (!format) throw new Error(`${where} has marketgraph-format ${formatHeader}, which this version does not read (it reads 1 to 3)`);
  const firstSeq = firstSeqOf(record.offset);
  const count = Number(headerText(record.headers?.[TICKS_HEADER]));
  const [minTime, maxTime] = (headerText(record.headers?.[TIMES_HEADER]) ?? '').split('-').map(Number);
  if (!(count >= 1 && count <= SEQ_STRIDE) || !Number.isFinite(minTime) || !Number.isFinite(maxTime))
    throw new Error(`${where} has malformed marketgraph headers`);
  // Readers take the header's count and times for the record's (the sink's and the duplicate
  // check's ranges), and its key for its rows' symbol: a record that does not hold them is refused.
  const counted = (rows: number) => {
    // More rows than the header counts would take the next record's seqs.
    if (rows !== count) throw new Error(`${where} holds ${rows} ticks where its header says ${count}`);
  };
  const inHeaderTimes = (time: number) => {
    if (!(time >= minTime! && time <= maxTime!)) throw new Error(`${where} holds a tick at ${time}, outside its header's times ${minTime}-${maxTime}`);
  };
  // Not kept: a run is held for seconds (the duplicate check), and its ticks would then live
  // through several young-generation collections; decoding again costs less than that.
  const ticks = () => {
    const rows = format.rows(bytes, firstSeq);
    counted(rows.length);
    for (const t of rows) {
      inHeaderTimes(t.time);
      if (t.symbol !== symbol) throw new Error(`${where}: ${notOfSymbol(t.symbol, symbol).message}`);
    }
    return rows;
  };
  let symbolBytes: Buffer | undefined;
  const times = () => {
    const read = new Float64Array(count);
    let rows: number;
    try {
      rows = format.times(bytes, read, (symbolBytes ??= Buffer.from(symbol)));
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
    counted(rows);
    for (const time of read) inHeaderTimes(time);
    return read;
  };
  const newest = () => {
    // Ticks in time order (the common case) end with the newest: only the last row is read.
    const last = format.lastRow(bytes, firstSeq + count - 1);
    return last.time === maxTime ? last : newestOf(ticks());
  };
  const rowBinary = format === FORMATS.rowbinary ? { rows: bytes, firstSeq, count } : undefined;
  return { symbol, partition: record.partition, firstSeq, count, minTime: minTime!, maxTime: maxTime!, ticks, times, newest, rowBinary };
}

/** What a reader of the log makes of a record: a run, or why it cannot be read. */
export type ReadRecord = { run: TickRun } | { unreadable: string; newer: boolean };

/**
 * A record read from the log, checked whole before anyone is given it: its headers, every row
 * (format 3: walked; formats 1 and 2: decoded, each line a tick), the header's count and times.
 * A run's ticks are decoded later, by whoever needs them, and that must not fail there: in the
 * sink it would stop every later record of the partition, and a run held for the duplicate
 * check would fail each batch compared with it. `newer`: the record names a format after the
 * ones this version reads, so a later version of marketgraph wrote it (and reads it).
 * `keepTimes`: the run's `times()` gives the times read for the check (the same array each call).
 */
export function readRun(record: IncomingRecord, { keepTimes = false } = {}): ReadRecord {
  try {
    const run = runOf(record);
    const times = run.times();
    // For a reader that uses the times soon and lets the run go (the sink), not one that holds it.
    return { run: keepTimes ? { ...run, times: () => times } : run };
  } catch (error) {
    const format = Number(headerText(record.headers?.[FORMAT_HEADER]));
    const newer = Number.isInteger(format) && format > NEWEST_FORMAT;
    return { unreadable: error instanceof Error ? error.message : String(error), newer };
  }
}

const NEWEST_FORMAT = Math.max(...[...BY_HEADER.keys()].map(Number));

