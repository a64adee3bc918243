import { scanTickRows } from '../../http/insert-ticks-body.js';
import type { StoredTick, TickInput } from '../ticks/tick-store.js';

/**
 * Formats 1 and 2 of the log's records (tick-records.ts has the layout around them): ticks as
 * JSONEachRow, one JSON object per line, each a whole tick with its symbol, e.g.
 * `{"symbol":"EURUSD","time":1767225600000,"bid":1.1,"ask":1.1002,"last":null,"volume":1,"flags":6}`
 * (`time` is epoch milliseconds). ClickHouse's Kafka table engine reads such a record as
 * several rows with `kafka_format = 'JSONEachRow'`; any consumer can split it on '\n'.
 */

/**
 * Decodes a record's bytes into ticks numbered from `firstSeq`: with the byte scanner the HTTP
 * fast path reads bodies with (no JSON.parse object and string per tick), or JSON.parse for
 * rows it does not take (another program's record may have escapes or other keys).
 */
export function readJsonRows(bytes: Buffer, firstSeq: number): StoredTick[] {
  const rows = scanTickRows(bytes);
  if (!rows) return readJsonLines(bytes.toString('utf8'), firstSeq);
  const ticks = rows as StoredTick[];
  for (let n = 0; n < ticks.length; n++) ticks[n]!.seq = firstSeq + n;
  return ticks;
}

/**
 * Decodes JSONEachRow lines (one line: a format-1 record) into ticks numbered from `firstSeq`.
 * A line that is not a tick (another program's record) is refused, naming the line and field:
 * its values would otherwise reach the store and subscribers as they are.
 */
export function readJsonLines(text: string, firstSeq: number): StoredTick[] {
  const rows = JSON.parse(`[${text.replaceAll('\n', ',')}]`) as unknown[];
  return rows.map((row, n) => numbered(asTick(row, n), firstSeq + n));
}

const NUMBERS = ['time', 'bid', 'ask'] as const;
const NULLABLE_NUMBERS = ['last', 'volume', 'flags'] as const;

function asTick(row: unknown, n: number): TickInput {
  const notTick = (why: string) => new Error(`line ${n + 1} is not a tick: ${why}`);
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw notTick('not a JSON object');
  const t = row as Record<string, unknown>;
  if (typeof t.symbol !== 'string') throw notTick('symbol is not a string');
  for (const key of NUMBERS) if (!Number.isFinite(t[key])) throw notTick(`${key} is not a finite number`);
  for (const key of NULLABLE_NUMBERS) if (t[key] !== undefined && t[key] !== null && !Number.isFinite(t[key])) throw notTick(`${key} is neither null nor a finite number`);
  return t as unknown as TickInput;
}

/** The last line of a record, numbered `seq`: ticks in time order end with their newest. */
export function readLastJsonRow(bytes: Buffer, seq: number): StoredTick {
  return readJsonLines(bytes.toString('utf8', bytes.lastIndexOf(0x0a) + 1), seq)[0]!;
}

/** A tick with its seq, absent optional fields as null (a row written by another program may omit them). */
const numbered = (t: TickInput, seq: number): StoredTick => ({
  symbol: t.symbol,
  time: t.time,
  bid: t.bid,
  ask: t.ask,
  last: t.last ?? null,
  volume: t.volume ?? null,
  flags: t.flags ?? null,
  seq,
});

/**
 * Writes one symbol's ticks as JSONEachRow lines straight into
 * bytes, byte for byte the text `JSON.stringify` gives each field, without a string per tick.
 *
 * A number is written from its digits where that text is certain: an integer up to 2^53 (times,
 * flags, most volumes), or a price of at most 15 significant digits and 9 decimals (n / 10^k
 * giving back the very number means its shortest text has exactly those digits). Any other
 * number is written as `String(n)` prints it.
 *
 * The writers of one batch take turns (toRecords writes a record, takes it, then the next):
 * they share one scratch buffer, and `take` copies a record out of it.
 */
export function createJsonWriter(symbol: string, maxBytes: number) {
  const prefix = Buffer.from(`{"symbol":${JSON.stringify(symbol)},"time":`);
  const maxLine = prefix.length + LINE_REST_BYTES;
  if (scratch.length < maxBytes + maxLine) scratch = Buffer.allocUnsafeSlow(maxBytes + maxLine);
  const b = scratch;
  let at = 0;
  return {
    /** Whether one more line surely fits in `maxBytes`. */
    fits: () => at + maxLine <= maxBytes,
    line(t: TickInput): void {
      if (at > 0) b[at++] = NEWLINE;
      at = copy(b, at, prefix);
      at = writeNumber(b, at, t.time);
      at = copy(b, at, BID);
      at = writeNumber(b, at, t.bid);
      at = copy(b, at, ASK);
      at = writeNumber(b, at, t.ask);
      at = copy(b, at, LAST);
      at = writeNullable(b, at, t.last);
      at = copy(b, at, VOLUME);
      at = writeNullable(b, at, t.volume);
      at = copy(b, at, FLAGS);
      at = writeNullable(b, at, t.flags);
      b[at++] = BRACE_CLOSE;
    },
    /** The lines written since the last take, as a buffer of their own. */
    take(): Buffer {
      const value = Buffer.allocUnsafe(at);
      b.copy(value, 0, 0, at);
      at = 0;
      return value;
    },
  };
}

let scratch = Buffer.alloc(0);

const BID = Buffer.from(',"bid":');
const ASK = Buffer.from(',"ask":');
const LAST = Buffer.from(',"last":');
const VOLUME = Buffer.from(',"volume":');
const FLAGS = Buffer.from(',"flags":');
const NULL = Buffer.from('null');
const NEWLINE = 0x0a;
const BRACE_CLOSE = 0x7d;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
// The longest text String() gives a number is 24 bytes (-1.2345678901234567e-300).
const MAX_NUMBER_BYTES = 24;
// After the prefix: six numbers (time to flags), the keys between them, the brace and a newline.
const LINE_REST_BYTES = BID.length + ASK.length + LAST.length + VOLUME.length + FLAGS.length + 2 + 6 * MAX_NUMBER_BYTES;

const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
// Up to this, a decimal's digits are its double's shortest text (15 significant digits).
const MAX_EXACT_DIGITS = 1e15;

function copy(b: Buffer, at: number, bytes: Buffer): number {
  for (let i = 0; i < bytes.length; i++) b[at + i] = bytes[i]!;
  return at + bytes.length;
}

function writeNullable(b: Buffer, at: number, n: number | null | undefined): number {
  return n === null || n === undefined ? copy(b, at, NULL) : writeNumber(b, at, n);
}

/** `n` as JSON.stringify writes a finite number. */
export function writeNumber(b: Buffer, at: number, n: number): number {
  if (n >= 0 && n < 10 && (n | 0) === n) {
    b[at] = ZERO + n; // flags, volumes of one: a single digit (-0 too, written "0" as JSON writes it)
    return at + 1;
  }
  if (Number.isSafeInteger(n)) {
    if (n < 0) b[at++] = MINUS;
    return writeDigits(b, at, Math.abs(n), 0);
  }
  const a = Math.abs(n);
  // Below 1e-6 String() switches to an exponent; an integer past 2^53 is not exact here.
  if (a >= 1e-6 && a < MAX_EXACT_DIGITS) {
    for (let k = 1; k < POW10.length; k++) {
      const digits = Math.round(a * POW10[k]!);
      if (digits >= MAX_EXACT_DIGITS) break;
      if (digits / POW10[k]! === a) {
        if (n < 0) b[at++] = MINUS;
        return writeDigits(b, at, digits, k);
      }
    }
  }
  const text = String(n);
  for (let i = 0; i < text.length; i++) b[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** The integer `digits` (below 2^53) divided by 10^decimals, in plain decimal notation. */
function writeDigits(b: Buffer, at: number, digits: number, decimals: number): number {
  // In two halves below 10^8, for integer arithmetic: `%` on a double past 2^31 is a
  // floating-point remainder, several times slower.
  let high = Math.floor(digits / 1e8) | 0;
  let low = (digits - high * 1e8) | 0;
  const length = high > 0 ? digitCount(high) + 8 : digitCount(low);
  const shown = Math.max(length, decimals + 1); // "0.00ddd" when there are no more digits than decimals
  const width = shown + (decimals > 0 ? 1 : 0);
  let i = at + width - 1;
  for (let n = 0; n < shown; n++) {
    if (n === decimals && n > 0) b[i--] = DOT;
    let d: number;
    if (n < 8) {
      d = low % 10;
      low = (low / 10) | 0;
    } else {
      d = high % 10;
      high = (high / 10) | 0;
    }
    b[i--] = ZERO + d;
  }
  return at + width;
}

/** Digits of a non-negative integer below 10^8. */
function digitCount(n: number): number {
  if (n < 1e4) return n < 10 ? 1 : n < 100 ? 2 : n < 1e3 ? 3 : 4;
  return n < 1e5 ? 5 : n < 1e6 ? 6 : n < 1e7 ? 7 : 8;
}
