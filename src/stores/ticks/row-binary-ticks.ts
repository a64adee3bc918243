import { nativeLayout, writeInt53 } from './tick-rows.js';

/**
 * Ticks as the log's records hold them (format 3, src/stores/stream/row-binary-records.ts): rows
 * of ClickHouse's RowBinary format with every tick column but `seq`, in TICK_COLUMNS order
 * (symbol String, time DateTime64(3, 'UTC'), bid Float64, ask Float64, last Nullable(Float64),
 * volume Nullable(Float64), flags Nullable(UInt32)), numbered `firstSeq`, `firstSeq + 1`, ...
 * The tick sink hands them to the store as they came: a batch of the log is then stored
 * without a tick object made for it.
 */
export interface RowBinaryTicks {
  rows: Buffer;
  firstSeq: number;
  /** How many rows `rows` holds: other bytes are refused. */
  count: number;
}

const NULL = 1;

/** Where a String (its length as LEB128, then its bytes) at `at` ends; past `b` when it does not fit. */
function stringEnd(b: Buffer, at: number): number {
  let length = 0;
  let scale = 1;
  for (let c = 0x80; c & 0x80; scale *= 128) {
    if (at >= b.length) return Infinity;
    c = b[at++]!;
    length += (c & 0x7f) * scale;
  }
  return at + length;
}

/** Where a Nullable of `width` bytes at `at` ends; -1 when its flag is neither 0 nor 1. */
function nullableEnd(b: Buffer, at: number, width: number): number {
  const flag = b[at];
  return flag === 0 ? at + 1 + width : flag === NULL ? at + 1 : -1;
}

/** Where the row whose values start at `values` ends; past `b` (or -1) when it is not whole. */
function valuesEnd(b: Buffer, values: number): number {
  let at = nullableEnd(b, values + 24, 8); // last
  if (at >= 0) at = nullableEnd(b, at, 8); // volume
  if (at >= 0) at = nullableEnd(b, at, 4); // flags
  return at < 0 ? Infinity : at;
}

function refuse(part: RowBinaryTicks): never {
  throw new Error(`RowBinary ticks numbered from ${part.firstSeq} are not ${part.count} whole rows of the ticks' structure`);
}

/**
 * Calls `row` for every row of every part in order, with where it starts, where its values
 * start, where it ends and its seq; throws when a part is not `count` whole rows (what was
 * handed on by then is to be thrown away).
 */
function eachRow(parts: readonly RowBinaryTicks[], row: (b: Buffer, view: DataView, start: number, values: number, end: number, seq: number) => void): void {
  for (const part of parts) {
    const b = part.rows;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let at = 0;
    let count = 0;
    while (at < b.length) {
      const values = stringEnd(b, at);
      const end = valuesEnd(b, values);
      if (end > b.length || count === part.count) refuse(part);
      row(b, view, at, values, end, part.firstSeq + count++);
      at = end;
    }
    if (count !== part.count) refuse(part);
  }
}

const rowCount = (parts: readonly RowBinaryTicks[]) => parts.reduce((n, part) => n + part.count, 0);
const byteCount = (parts: readonly RowBinaryTicks[]) => parts.reduce((n, part) => n + part.rows.length, 0);

/**
 * The rows in ClickHouse's Native format, as ticksToNative writes ticks (tick-rows.ts): each
 * value copied from its row into its column, the symbol's String as it is in the row (RowBinary
 * and Native write a String alike). Written into `memory` when it is large enough.
 */
export function rowBinaryToNative(parts: readonly RowBinaryTicks[], memory?: Buffer): Buffer {
  // A row's symbol is never longer than the row.
  const { out, view, column } = nativeLayout(rowCount(parts), byteCount(parts), memory);
  let s = column.symbol;
  let i = 0;
  eachRow(parts, (b, v, start, values, _end, seq) => {
    for (let k = start; k < values; k++) out[s++] = b[k]!;
    view.setUint32(column.time + 8 * i, v.getUint32(values, true), true);
    view.setUint32(column.time + 8 * i + 4, v.getUint32(values + 4, true), true);
    view.setFloat64(column.bid + 8 * i, v.getFloat64(values + 8, true), true);
    view.setFloat64(column.ask + 8 * i, v.getFloat64(values + 16, true), true);
    let at = values + 24;
    out[column.lastNull + i] = b[at]!;
    view.setFloat64(column.last + 8 * i, b[at] === NULL ? 0 : v.getFloat64(at + 1, true), true);
    at = nullableEnd(b, at, 8);
    out[column.volumeNull + i] = b[at]!;
    view.setFloat64(column.volume + 8 * i, b[at] === NULL ? 0 : v.getFloat64(at + 1, true), true);
    at = nullableEnd(b, at, 8);
    out[column.flagsNull + i] = b[at]!;
    view.setUint32(column.flags + 4 * i, b[at] === NULL ? 0 : v.getUint32(at + 1, true), true);
    writeInt53(view, column.seq + 8 * i, seq);
    i++;
  });
  return out.subarray(0, s);
}

/**
 * The rows in RowBinary with `seq` after each (TICK_COLUMNS, as ticksToRowBinary writes ticks
 * for a ClickHouse server): each row copied whole, then its seq.
 */
export function rowBinaryWithSeq(parts: readonly RowBinaryTicks[]): Buffer {
  const out = Buffer.allocUnsafe(byteCount(parts) + 8 * rowCount(parts));
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  eachRow(parts, (b, _v, start, _values, end, seq) => {
    at += b.copy(out, at, start, end);
    writeInt53(view, at, seq);
    at += 8;
  });
  return out.subarray(0, at);
}
