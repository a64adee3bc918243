import type { Candle, StoredTick, TickInput } from './tick-store.js';
import { TICK_COLUMNS } from './ticks-sql.js';

/** Rows as ClickHouse returns them in JSONEachRow (64-bit integers may come quoted). */
export interface TickRow {
  symbol: string;
  time_ms: number | string;
  bid: number;
  ask: number;
  last: number | null;
  volume: number | null;
  flags: number | null;
  seq: number | string;
}

export interface CandleRow {
  bucket: number | string;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
  n: number | string;
}

export function rowToTick(r: TickRow): StoredTick {
  return {
    symbol: r.symbol,
    time: Number(r.time_ms),
    bid: r.bid,
    ask: r.ask,
    last: r.last,
    volume: r.volume,
    flags: r.flags,
    seq: Number(r.seq),
  };
}

export function rowToCandle(r: CandleRow): Candle {
  return { time: Number(r.bucket), open: r.o, high: r.h, low: r.l, close: r.c, volume: r.v, ticks: Number(r.n) };
}

/**
 * JSONEachRow body for an insert, written with one template per tick rather than
 * JSON.stringify of an object per row. `time` goes as an integer,
 * which ClickHouse reads into DateTime64(3) as milliseconds since the epoch (UTC).
 */
export function ticksToJsonEachRow(ticks: readonly StoredTick[]): Buffer {
  let out = '';
  for (const t of ticks) {
    out +=
      `{"symbol":${JSON.stringify(t.symbol)},"time":${t.time},"bid":${t.bid},"ask":${t.ask},` +
      `"last":${t.last ?? 'null'},"volume":${t.volume ?? 'null'},"flags":${t.flags ?? 'null'},"seq":${t.seq}}\n`;
  }
  return Buffer.from(out);
}

const TWO_32 = 2 ** 32;

/**
 * ClickHouse's RowBinary format for an insert, in TICK_COLUMNS order: each row its values one
 * after another, little-endian, with no names and no types (the server reads them as the
 * table's columns, so `symbol` goes as a String into its LowCardinality column on any server
 * version): the symbol's String, the values writeRowBinaryValues writes, and seq as UInt64.
 */
export function ticksToRowBinary(ticks: readonly StoredTick[]): Buffer {
  const symbols = new Map<string, Buffer>();
  let size = 0;
  for (const t of ticks) {
    let encoded = symbols.get(t.symbol);
    if (!encoded) symbols.set(t.symbol, (encoded = lengthPrefixed(Buffer.from(t.symbol))));
    size += encoded.length + ROW_BINARY_VALUES_MAX_BYTES + 8 - (t.last === null ? 8 : 0) - (t.volume === null ? 8 : 0) - (t.flags === null ? 4 : 0);
  }
  const out = Buffer.allocUnsafe(size);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  for (const t of ticks) {
    const encoded = symbols.get(t.symbol)!;
    for (let k = 0; k < encoded.length; k++) out[at++] = encoded[k]!;
    at = writeRowBinaryValues(out, view, at, t);
    writeInt53(view, at, t.seq);
    at += 8;
  }
  return out;
}

/**
 * A tick's values after its symbol, as RowBinary: `time DateTime64(3, 'UTC'), bid Float64,
 * ask Float64, last Nullable(Float64), volume Nullable(Float64), flags Nullable(UInt32)`. A
 * DateTime64(3) is an Int64 of epoch milliseconds; a Nullable one byte (1 for NULL) followed
 * by the value when it is 0. Written at `at` of `out` (`view` over the same bytes); returns
 * where they end. Times are whole non-negative numbers below 2^53 (tick-rules.ts). The log's
 * records (row-binary-records.ts) and the HTTP store's inserts write rows with it.
 */
export function writeRowBinaryValues(out: Buffer, view: DataView, at: number, t: TickInput): number {
  writeInt53(view, at, t.time);
  view.setFloat64(at + 8, t.bid, true);
  view.setFloat64(at + 16, t.ask, true);
  at += 24;
  if (t.last === null) out[at++] = ROW_BINARY_NULL;
  else (out[at] = 0), view.setFloat64(at + 1, t.last, true), (at += 9);
  if (t.volume === null) out[at++] = ROW_BINARY_NULL;
  else (out[at] = 0), view.setFloat64(at + 1, t.volume, true), (at += 9);
  if (t.flags === null) out[at++] = ROW_BINARY_NULL;
  else (out[at] = 0), view.setUint32(at + 1, t.flags, true), (at += 5);
  return at;
}

/** The most bytes writeRowBinaryValues writes: time, bid, ask, and the three Nullables with their values. */
export const ROW_BINARY_VALUES_MAX_BYTES = 8 + 8 + 8 + (1 + 8) + (1 + 8) + (1 + 4);
/** A Nullable's flag byte in RowBinary (and Native's null map) when the value is NULL. */
export const ROW_BINARY_NULL = 1;

/**
 * ClickHouse's Native format (columnar, little-endian) for an insert: each column is copied,
 * not parsed (the insert reads columns by name). chDB inserting 10,000-row bodies here: 648,000 rows/s
 * from Native (1.7 µs of its CPU per row), 313,000 from TabSeparated (2.9 µs); and writing
 * 2,000 to 100,000 rows takes 0.1 µs of CPU per row in JavaScript in Native, 0.5 in TabSeparated
 * (2026-12-03, Node 24).
 *
 * A block is: column count, row count (both LEB128), then per column its name, its type and
 * its values (columns in any order: `symbol` is last here). A String is its byte length (LEB128) and its bytes; a Nullable column is one
 * byte per row (1 = NULL) followed by a value for every row. `symbol` goes as String and
 * the table turns it into LowCardinality. Times and seqs are whole non-negative numbers
 * below 2^53 (tick-rules.ts), written as two 32-bit halves.
 *
 * Written into `memory` when it is large enough (a body's memory kept for the next insert:
 * chdb-tick-store.ts), else into memory of its own (never Node's shared pool).
 */
export function ticksToNative(ticks: readonly StoredTick[], memory?: Buffer): Buffer {
  const n = ticks.length;
  let { out, view, column } = nativeLayout(n, n * SYMBOL_BYTES_GUESS, memory);
  const { time, bid, ask, lastNull, last, volumeNull, volume, flagsNull, flags, seq } = column;
  // One pass over the ticks, each column written at its own offset (a pass per column read every
  // tick object eight times: issue 15, this function was 15% of the gateway's busy time). DataView's
  // setters compile to plain stores, where Buffer's write*LE are calls.
  const symbols = new Map<string, Buffer>();
  let s = column.symbol;
  for (let i = 0; i < n; i++) {
    const t = ticks[i]!;
    writeInt53(view, time + 8 * i, t.time);
    view.setFloat64(bid + 8 * i, t.bid, true);
    view.setFloat64(ask + 8 * i, t.ask, true);
    out[lastNull + i] = t.last === null ? 1 : 0;
    view.setFloat64(last + 8 * i, t.last ?? 0, true);
    out[volumeNull + i] = t.volume === null ? 1 : 0;
    view.setFloat64(volume + 8 * i, t.volume ?? 0, true);
    out[flagsNull + i] = t.flags === null ? 1 : 0;
    view.setUint32(flags + 4 * i, t.flags ?? 0, true);
    writeInt53(view, seq + 8 * i, t.seq);
    let encoded = symbols.get(t.symbol);
    if (!encoded) symbols.set(t.symbol, (encoded = lengthPrefixed(Buffer.from(t.symbol))));
    if (s + encoded.length > out.length) {
      out = withRoom(out, s, encoded.length);
      view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    }
    for (let k = 0; k < encoded.length; k++) out[s++] = encoded[k]!;
  }
  return out.subarray(0, s);
}

/**
 * A Native block of `n` rows laid out (see ticksToNative): the block's header and every
 * column's name and type written, and where each column's values start. The insert reads
 * columns by name, so `symbol`, whose size is known only once every row is read, goes last;
 * every other column has a fixed size per row. The memory is `memory` when it holds `symbolBytes`
 * for the symbols, else memory of its own (never Node's shared pool).
 */
export function nativeLayout(n: number, symbolBytes: number, memory?: Buffer) {
  let at = writeLeb128(LEB128_SCRATCH, 0, TICK_COLUMNS.length);
  at = writeLeb128(LEB128_SCRATCH, at, n);
  const time = at + NATIVE_HEADERS.time.length;
  const bid = time + 8 * n + NATIVE_HEADERS.bid.length;
  const ask = bid + 8 * n + NATIVE_HEADERS.ask.length;
  const lastNull = ask + 8 * n + NATIVE_HEADERS.last.length;
  const last = lastNull + n;
  const volumeNull = last + 8 * n + NATIVE_HEADERS.volume.length;
  const volume = volumeNull + n;
  const flagsNull = volume + 8 * n + NATIVE_HEADERS.flags.length;
  const flags = flagsNull + n;
  const seq = flags + 4 * n + NATIVE_HEADERS.seq.length;
  const symbol = seq + 8 * n + NATIVE_HEADERS.symbol.length;
  const size = symbol + symbolBytes;
  const out = memory && memory.length >= size ? memory : Buffer.allocUnsafeSlow(size);
  LEB128_SCRATCH.copy(out, 0, 0, at);
  for (const name of NATIVE_COLUMN_ORDER) at += NATIVE_HEADERS[name].copy(out, at) + (name === 'symbol' ? 0 : NATIVE_VALUE_BYTES[name] * n);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  return { out, view, column: { time, bid, ask, lastNull, last, volumeNull, volume, flagsNull, flags, seq, symbol } };
}

/**
 * A Native body whose symbol column, written up to `end`, needs `bytes` more than the guess
 * nativeLayout was given: a copy of it twice as large (or as large as needed), in memory of its own.
 */
export function withRoom(out: Buffer, end: number, bytes: number): Buffer {
  const grown = Buffer.allocUnsafeSlow(Math.max(2 * out.length, end + bytes));
  out.copy(grown, 0, 0, end);
  return grown;
}

/** A whole number in [0, 2^53) as UInt64, little-endian: its two 32-bit halves. */
export function writeInt53(view: DataView, at: number, x: number): void {
  const high = Math.floor(x / TWO_32);
  view.setUint32(at, x - high * TWO_32, true); // a fraction is cut off, as floor would
  view.setUint32(at + 4, high, true);
}

/** An Int64, little-endian, as a number: exact within ±2^53, as every tick's time is. */
export function readInt64(view: DataView, at: number): number {
  return view.getUint32(at, true) + view.getInt32(at + 4, true) * TWO_32;
}

type TickColumn = (typeof TICK_COLUMNS)[number];

const NATIVE_TYPES: Record<TickColumn, string> = {
  symbol: 'String',
  time: "DateTime64(3, 'UTC')",
  bid: 'Float64',
  ask: 'Float64',
  last: 'Nullable(Float64)',
  volume: 'Nullable(Float64)',
  flags: 'Nullable(UInt32)',
  seq: 'UInt64',
};

// Each column's name and type, as they precede its values.
const NATIVE_HEADERS = Object.fromEntries(
  TICK_COLUMNS.map((name) => [name, Buffer.concat([lengthPrefixed(Buffer.from(name)), lengthPrefixed(Buffer.from(NATIVE_TYPES[name]))])]),
) as Record<TickColumn, Buffer>;
// The block's columns in the order written (see ticksToNative), and their bytes per row.
const NATIVE_COLUMN_ORDER: readonly TickColumn[] = ['time', 'bid', 'ask', 'last', 'volume', 'flags', 'seq', 'symbol'];
const NATIVE_VALUE_BYTES: Record<TickColumn, number> = { symbol: 0, time: 8, bid: 8, ask: 8, last: 9, volume: 9, flags: 5, seq: 8 };
const SYMBOL_BYTES_GUESS = 12; // per row, length byte included; the buffer grows when more are needed
const LEB128_SCRATCH = Buffer.alloc(18);

function lengthPrefixed(bytes: Buffer): Buffer {
  const prefix = Buffer.alloc(9);
  return Buffer.concat([prefix.subarray(0, writeLeb128(prefix, 0, bytes.length)), bytes]);
}

/** `x` as LEB128 (ClickHouse's variable-length unsigned integer) at `at`; returns where it ends. */
export function writeLeb128(out: Buffer, at: number, x: number): number {
  while (x >= 0x80) {
    out[at++] = (x & 0x7f) | 0x80;
    x = Math.floor(x / 0x80);
  }
  out[at++] = x;
  return at;
}

// TabSeparated escapes: backslash, tab and line breaks (symbols rarely hold any).
const TSV_SPECIAL = /[\\\t\n\r]/;
const tsvString = (s: string) =>
  TSV_SPECIAL.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
const tsvNullable = (x: number | null) => (x === null ? '\\N' : String(x));

/**
 * TabSeparated body for an insert, in TICK_COLUMNS order: the cheapest text format for chDB
 * to parse and for us to write. chDB inserting 10,000-row bodies here: 545,000 rows/s from
 * TabSeparated, 335,000 from JSONEachRow.
 */
export function ticksToTabSeparated(ticks: readonly StoredTick[]): Buffer {
  let out = '';
  for (const t of ticks) {
    out += `${tsvString(t.symbol)}\t${t.time}\t${t.bid}\t${t.ask}\t${tsvNullable(t.last)}\t${tsvNullable(t.volume)}\t${tsvNullable(t.flags)}\t${t.seq}\n`;
  }
  return Buffer.from(out);
}
