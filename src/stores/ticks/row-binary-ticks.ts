import { nativeLayout, ROW_BINARY_NULL, withRoom, writeInt53 } from './tick-rows.js';

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

// The Nullable values after bid and ask, in order (last, volume, flags): their widths in bytes.
const NULLABLE_WIDTHS = [8, 8, 4] as const;

/** Where one row lies in its bytes, as `walkRow` finds it. */
export interface RowBounds {
  /** Where the row starts: its symbol's length. */
  start: number;
  /** Where the symbol's bytes start (past its length). */
  symbol: number;
  /** Where the values start (past the symbol): time, bid, ask, then the Nullables. */
  values: number;
  /** Where the row ends: where the next one starts. */
  end: number;
}

/** What walkRow found: a whole row, or why the bytes are not one. */
export type RowWalk = 'whole' | 'past the end' | 'bad flag' | 'long length';

/**
 * Finds the row that starts at `at` in `b`, sets `row` to its bounds and says whether it is a
 * whole row of the ticks' structure. When it runs past the end of `b`, `row.end` is where it
 * would end at least; when a Nullable's flag is neither 0 nor 1, where that flag is. The one
 * walk of the structure: the log's reader (src/stores/stream/row-binary-records.ts) and the
 * encoders below go through it, so what one refuses the other refuses too.
 */
export function walkRow(b: Buffer, at: number, row: RowBounds): RowWalk {
  row.start = at;
  let length = 0;
  for (let scale = 1, c = 0x80; c & 0x80; scale *= 128) {
    if (scale === 128 ** 5) return 'long length';
    if (at >= b.length) {
      row.end = at + 1;
      return 'past the end';
    }
    c = b[at++]!;
    length += (c & 0x7f) * scale;
  }
  row.symbol = at;
  row.values = at + length;
  at = row.values + 24; // time, bid, ask
  for (const width of NULLABLE_WIDTHS) {
    if (at >= b.length) {
      row.end = at + 1;
      return 'past the end';
    }
    const flag = b[at]!;
    if (flag > ROW_BINARY_NULL) {
      row.end = at;
      return 'bad flag';
    }
    at += flag === ROW_BINARY_NULL ? 1 : 1 + width;
  }
  row.end = at;
  return at > b.length ? 'past the end' : 'whole';
}

/** Why the row walkRow found to be `walk` is not whole, in words. */
export function whyNotWhole(b: Buffer, row: RowBounds, walk: RowWalk): string {
  if (walk === 'long length') return 'a string length runs past 5 bytes';
  if (walk === 'bad flag') return `a Nullable's flag is ${b[row.end]}`;
  return `a row ends ${row.end - b.length} bytes past the record`;
}

function refuse(part: RowBinaryTicks, why: string): never {
  throw new Error(`RowBinary ticks numbered from ${part.firstSeq} are not ${part.count} whole rows of the ticks' structure: ${why}`);
}

/**
 * Calls `row` for every row of every part in order, with its bounds and its seq; throws when a
 * part is not `count` whole rows (what was handed on by then is to be thrown away).
 */
function eachRow(parts: readonly RowBinaryTicks[], row: (b: Buffer, view: DataView, bounds: RowBounds, seq: number) => void): void {
  const bounds: RowBounds = { start: 0, symbol: 0, values: 0, end: 0 };
  for (const part of parts) {
    const b = part.rows;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let count = 0;
    for (let at = 0; at < b.length; at = bounds.end) {
      const walk = walkRow(b, at, bounds);
      if (walk !== 'whole') refuse(part, whyNotWhole(b, bounds, walk));
      if (count === part.count) refuse(part, 'it holds more');
      row(b, view, bounds, part.firstSeq + count++);
    }
    if (count !== part.count) refuse(part, `it holds ${count}`);
  }
}

const rowCount = (parts: readonly RowBinaryTicks[]) => parts.reduce((n, part) => n + part.count, 0);
const byteCount = (parts: readonly RowBinaryTicks[]) => parts.reduce((n, part) => n + part.rows.length, 0);

/**
 * The symbol column's size if every row's symbol is as long as its part's first row's: exact
 * for the log's records, which hold one symbol each. (The rows' whole size, the bound used
 * before, made a sink batch's body 1.7 times as large: over the 32 MiB a store keeps for the
 * next insert from about 330,000 ticks, so a new body was allocated for each such batch.)
 */
function symbolBytesGuess(parts: readonly RowBinaryTicks[]): number {
  const first: RowBounds = { start: 0, symbol: 0, values: 0, end: 0 };
  let bytes = 0;
  for (const part of parts) if (walkRow(part.rows, 0, first) === 'whole') bytes += part.count * (first.values - first.start);
  return bytes;
}

/**
 * The rows in ClickHouse's Native format, as ticksToNative writes ticks (tick-rows.ts): each
 * value copied from its row into its column, the symbol's String as it is in the row (RowBinary
 * and Native write a String alike). Written into `memory` when it is large enough.
 */
export function rowBinaryToNative(parts: readonly RowBinaryTicks[], memory?: Buffer): Buffer {
  let { out, view, column } = nativeLayout(rowCount(parts), symbolBytesGuess(parts), memory);
  let s = column.symbol;
  let i = 0;
  eachRow(parts, (b, v, { start, values }, seq) => {
    if (s + values - start > out.length) {
      out = withRoom(out, s, values - start);
      view = new DataView(out.buffer, out.byteOffset, out.byteLength);
    }
    for (let k = start; k < values; k++) out[s++] = b[k]!;
    view.setUint32(column.time + 8 * i, v.getUint32(values, true), true);
    view.setUint32(column.time + 8 * i + 4, v.getUint32(values + 4, true), true);
    view.setFloat64(column.bid + 8 * i, v.getFloat64(values + 8, true), true);
    view.setFloat64(column.ask + 8 * i, v.getFloat64(values + 16, true), true);
    let at = values + 24;
    out[column.lastNull + i] = b[at]!;
    view.setFloat64(column.last + 8 * i, b[at] === ROW_BINARY_NULL ? 0 : v.getFloat64(at + 1, true), true);
    at += b[at] === ROW_BINARY_NULL ? 1 : 9;
    out[column.volumeNull + i] = b[at]!;
    view.setFloat64(column.volume + 8 * i, b[at] === ROW_BINARY_NULL ? 0 : v.getFloat64(at + 1, true), true);
    at += b[at] === ROW_BINARY_NULL ? 1 : 9;
    out[column.flagsNull + i] = b[at]!;
    view.setUint32(column.flags + 4 * i, b[at] === ROW_BINARY_NULL ? 0 : v.getUint32(at + 1, true), true);
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
  eachRow(parts, (b, _v, { start, end }, seq) => {
    at += b.copy(out, at, start, end);
    writeInt53(view, at, seq);
    at += 8;
  });
  return out.subarray(0, at);
}
