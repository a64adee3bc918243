import type { ScannedTicks } from '../graphql/insert-ticks-fast-path.js';
import type { StoredTick, TickInput } from '../stores/ticks/tick-store.js';
import { parseDateTime, parseDateTimeText } from '../graphql/datetime.js';

/**
 * An insertTicks body read from its bytes: the tick list is parsed and coerced in one pass over
 * the bytes, without JSON.parse's object and string per tick (issue 15: with 100,000-tick
 * batches, JSON.parse was 27% of the gateway's busy time and collecting its garbage 17%). The
 * rest of the body (query, operation name, extensions) is small and goes to JSON.parse with
 * `[]` where the list was.
 *
 * It takes only a body whose `variables` hold one array of tick objects that the fast path
 * (insert-ticks-fast-path.ts) would accept, and yields the same values: a number is read as
 * JSON.parse reads it, a time through the DateTime scalar's own parser. Anything else (a wrong
 * type, an escape in a string, a byte above ASCII, malformed JSON, a key twice) gives undefined,
 * and the body is parsed whole as before, so errors read the same.
 */
export interface ScannedBody {
  /** The body with `[]` in place of the tick list. */
  body: unknown;
  scanned: ScannedTicks;
}

const enum Byte {
  Tab = 0x09, Newline = 0x0a, Return = 0x0d, Space = 0x20, Quote = 0x22, Plus = 0x2b, Comma = 0x2c, Minus = 0x2d,
  Dot = 0x2e, Zero = 0x30, Nine = 0x39, Colon = 0x3a, BracketOpen = 0x5b, Backslash = 0x5c, BracketClose = 0x5d,
  LowerE = 0x65, UpperE = 0x45, LowerN = 0x6e, LowerT = 0x74, LowerF = 0x66, BraceOpen = 0x7b, BraceClose = 0x7d,
}

/** Thrown inside the scan to give up on it: the body is then parsed whole. */
const GIVE_UP = Symbol('give up');

export function scanInsertTicksBody(raw: Buffer): ScannedBody | undefined {
  try {
    return scan(raw);
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

/**
 * Tick objects one after another, separated by whitespace (JSONEachRow, as the stream's records
 * carry them: src/stores/stream/tick-records.ts), read as the body's tick list is; undefined
 * for anything the scanner does not take (the caller then uses JSON.parse).
 */
export function scanTickRows(raw: Buffer): TickInput[] | undefined {
  try {
    const s = new Scanner(raw);
    const ticks: TickInput[] = [];
    s.ws();
    while (s.at < raw.length) {
      ticks.push(s.tick());
      s.ws();
    }
    return ticks;
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

function scan(raw: Buffer): ScannedBody | undefined {
  const s = new Scanner(raw);
  let list: { variable: string; start: number; end: number; ticks: TickInput[] } | undefined;
  s.expect(Byte.BraceOpen);
  s.members(() => {
    if (!s.keyIs(VARIABLES)) return s.skipValue();
    if (list) throw GIVE_UP; // "variables" twice: JSON.parse keeps the last
    s.expect(Byte.BraceOpen);
    s.members(() => {
      if (list) throw GIVE_UP; // more than one variable: not the fast path's shape
      const variable = s.lastKey();
      s.ws();
      const start = s.at;
      const ticks = s.tickList();
      list = { variable, start, end: s.at, ticks };
    });
  });
  s.ws();
  if (s.at !== raw.length || !list) return undefined;
  const { variable, start, end, ticks } = list as NonNullable<typeof list>;
  let body: unknown;
  try {
    body = JSON.parse(`${raw.toString('utf8', 0, start)}[]${raw.toString('utf8', end)}`);
  } catch {
    return undefined; // the whole body's parse reports it
  }
  return { body, scanned: { variable, ticks } };
}

const VARIABLES = Buffer.from('variables');

// Bit of each TickInput field, to refuse a key given twice; and the keys' bytes.
const FIELDS = ['symbol', 'time', 'bid', 'ask', 'last', 'volume', 'flags'] as const;
const FIELD_BYTES = FIELDS.map((f) => Buffer.from(f));
const FIELD_BY_FIRST_BYTE: (number | undefined)[] = [];
FIELDS.forEach((f, i) => (FIELD_BY_FIRST_BYTE[f.charCodeAt(0)] = i));
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
// Powers of ten a double holds exactly: m * 10^e and m / 10^e are then rounded once, correctly.
const EXACT_POW10 = Array.from({ length: 23 }, (_, e) => 10 ** e);
const EXACT_DIGITS = 15; // any 15-digit integer is below 2^53

// Symbols seen, by a hash of their bytes, so that a batch's ticks share one string per symbol
// instead of one each. Bounded: 256 entries of at most SYMBOL_CACHE_MAX_BYTES.
const SYMBOL_CACHE_SIZE = 256;
const SYMBOL_CACHE_MAX_BYTES = 64;
const symbolCache = new Array<string | undefined>(SYMBOL_CACHE_SIZE);

class Scanner {
  at = 0;
  private keyStart = 0;
  private keyEnd = 0;

  constructor(private readonly bytes: Buffer) {}

  ws(): void {
    const b = this.bytes;
    let c = b[this.at];
    while (c === Byte.Space || c === Byte.Newline || c === Byte.Return || c === Byte.Tab) c = b[++this.at];
  }

  expect(byte: number): void {
    this.ws();
    if (this.bytes[this.at] !== byte) throw GIVE_UP;
    this.at++;
  }

  /** An object's members after its `{`: for each, its key is read and `value` reads its value. */
  members(value: () => void): void {
    this.ws();
    if (this.bytes[this.at] === Byte.BraceClose) return void this.at++;
    for (;;) {
      this.key();
      this.expect(Byte.Colon);
      value();
      this.ws();
      const c = this.bytes[this.at++];
      if (c === Byte.BraceClose) return;
      if (c !== Byte.Comma) throw GIVE_UP;
    }
  }

  /** A key without escapes or bytes above ASCII, kept as a range of the body. */
  key(): void {
    this.expect(Byte.Quote);
    this.keyStart = this.at;
    this.keyEnd = this.plainString();
  }

  keyIs(name: Buffer): boolean {
    const b = this.bytes;
    const start = this.keyStart;
    if (this.keyEnd - start !== name.length) return false;
    for (let i = 0; i < name.length; i++) if (b[start + i] !== name[i]) return false;
    return true;
  }

  lastKey(): string {
    return this.bytes.toString('latin1', this.keyStart, this.keyEnd);
  }

  /** After an opening quote: the string's end (its closing quote is passed). Gives up on escapes. */
  private plainString(): number {
    const end = plainStringEnd(this.bytes, this.at);
    this.at = end + 1;
    return end;
  }

  /** Passes over any JSON value (not checked: JSON.parse checks what is kept of the body). */
  skipValue(): void {
    this.ws();
    const b = this.bytes;
    let depth = 0;
    do {
      const c = b[this.at++];
      if (c === undefined) throw GIVE_UP;
      if (c === Byte.Quote) {
        while (b[this.at] !== Byte.Quote) {
          if (this.at >= b.length) throw GIVE_UP;
          this.at += b[this.at] === Byte.Backslash ? 2 : 1;
        }
        this.at++;
      } else if (c === Byte.BraceOpen || c === Byte.BracketOpen) depth++;
      else if (c === Byte.BraceClose || c === Byte.BracketClose) depth--;
      else if (depth === 0) {
        // a number or a literal: up to the next delimiter
        while (this.at < b.length && !isDelimiter(b[this.at]!)) this.at++;
      }
    } while (depth > 0);
  }

  /** `[tick, ...]`, each coerced as the fast path's coerceTick does. */
  tickList(): TickInput[] {
    this.expect(Byte.BracketOpen);
    const ticks: TickInput[] = [];
    this.ws();
    if (this.bytes[this.at] === Byte.BracketClose) return this.at++, ticks;
    for (;;) {
      ticks.push(this.tick());
      this.ws();
      const c = this.bytes[this.at++];
      if (c === Byte.BracketClose) return ticks;
      if (c !== Byte.Comma) throw GIVE_UP;
    }
  }

  tick(): StoredTick {
    const tick = readTick(this.bytes, this.at);
    this.at = end;
    return tick;
  }
}

function isDelimiter(c: number): boolean {
  return c === Byte.Comma || c === Byte.BraceClose || c === Byte.BracketClose || c === Byte.Space || c === Byte.Newline || c === Byte.Return || c === Byte.Tab;
}

// Where the last readTick or readNumber ended.
let end = 0;

const isWs = (c: number | undefined) => c === Byte.Space || c === Byte.Newline || c === Byte.Return || c === Byte.Tab;

// readTick's own: with the scanner's ws() calling it too, a 10,000-tick body took 360 to 540 ns
// per tick instead of 280 to 330 (measured, not traced).
function skipWs(b: Buffer, at: number): number {
  while (isWs(b[at])) at++;
  return at;
}

// The seq a tick has until the write path numbers it. The slot is there from the start so that
// numbering in place (local-write-path.ts) keeps the object's shape: adding the property to
// 10,000 objects a batch gave each a second allocation (embedded ingest, 4 clients: 494,000 to
// 608,000 ticks/s with the slot against 451,000 to 500,000 without).
const UNNUMBERED = 0;

/**
 * One tick object from `at`, coerced as the fast path's coerceTick does; `end` is set after it.
 * Written with local positions (no scanner state per byte): this runs once per tick.
 */
function readTick(b: Buffer, at: number): StoredTick {
  at = skipWs(b, at);
  if (b[at] !== Byte.BraceOpen) throw GIVE_UP;
  at = skipWs(b, at + 1);
  if (b[at] === Byte.BraceClose) throw GIVE_UP; // no symbol, time, bid, ask
  let symbol: string | undefined;
  let time: number | undefined;
  let bid: number | undefined;
  let ask: number | undefined;
  let last: number | null = null;
  let volume: number | null = null;
  let flags: number | null = null;
  let seen = 0; // a bit per field: a key twice is given up on (JSON.parse keeps the last)
  for (;;) {
    // The key: one of the fields' names, in plain bytes (an escape or any other key gives up).
    if (b[at] !== Byte.Quote) throw GIVE_UP;
    const field = FIELD_BY_FIRST_BYTE[b[at + 1]!];
    if (field === undefined) throw GIVE_UP;
    const name = FIELD_BYTES[field]!;
    const length = name.length;
    for (let k = 1; k < length; k++) if (b[at + 1 + k] !== name[k]) throw GIVE_UP;
    if (b[at + 1 + length] !== Byte.Quote) throw GIVE_UP;
    at += length + 2;
    if (b[at] !== Byte.Colon) {
      at = skipWs(b, at);
      if (b[at] !== Byte.Colon) throw GIVE_UP;
    }
    at = skipWs(b, at + 1);
    if (seen & (1 << field)) throw GIVE_UP;
    seen |= 1 << field;
    if (field === 0) {
      if (b[at] !== Byte.Quote) throw GIVE_UP;
      const start = at + 1;
      at = plainStringEnd(b, start);
      symbol = cachedSymbol(b, start, at);
      at++;
    } else if (field === 1) {
      if (b[at] === Byte.Quote) {
        const start = at + 1;
        at = plainStringEnd(b, start);
        try {
          time = parseDateTimeText(b, start, at);
        } catch {
          throw GIVE_UP;
        }
        at++;
      } else {
        const n = readNumber(b, at);
        at = end;
        try {
          time = parseDateTime(n);
        } catch {
          throw GIVE_UP;
        }
      }
    } else if (b[at] === Byte.LowerN && field > 3) {
      if (b[at + 1] !== 0x75 || b[at + 2] !== 0x6c || b[at + 3] !== 0x6c) throw GIVE_UP; // "ull"
      at += 4;
    } else {
      const n = readNumber(b, at);
      at = end;
      if (field === 2) bid = n;
      else if (field === 3) ask = n;
      else if (field === 4) last = n;
      else if (field === 5) volume = n;
      else {
        if (!(Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX)) throw GIVE_UP;
        flags = n;
      }
    }
    let c = b[at];
    if (isWs(c)) {
      at = skipWs(b, at);
      c = b[at];
    }
    at++;
    if (c === Byte.BraceClose) break;
    if (c !== Byte.Comma) throw GIVE_UP;
    if (isWs(b[at])) at = skipWs(b, at);
  }
  if (symbol === undefined || time === undefined || bid === undefined || ask === undefined) throw GIVE_UP;
  end = at;
  return { symbol, time, bid, ask, last, volume, flags, seq: UNNUMBERED };
}

/** After an opening quote at `start - 1`: the position of the closing quote. Gives up on escapes and bytes above ASCII. */
function plainStringEnd(b: Buffer, start: number): number {
  let i = start;
  for (;;) {
    const c = b[i];
    if (c === Byte.Quote) return i;
    if (c === undefined || c < Byte.Space || c === Byte.Backslash || c >= 0x80) throw GIVE_UP;
    i++;
  }
}

/**
 * A JSON number from `start`, finite, as JSON.parse reads it; `end` is set after it. Up to 15
 * significant digits and a power of ten up to 22 are one exact multiplication or division
 * (rounded once, so exact); anything else goes through Number(), which reads the JSON number
 * grammar as JSON.parse does.
 */
function readNumber(b: Buffer, start: number): number {
  let i = start;
  const negative = b[i] === Byte.Minus;
  if (negative) i++;
  let mantissa = 0;
  let digits = 0; // significant digits so far (leading zeros are not)
  let exponent = 0;
  let c = b[i]!;
  if (c === Byte.Zero) c = b[++i]!;
  else if (c > Byte.Zero && c <= Byte.Nine) {
    do {
      mantissa = mantissa * 10 + (c - Byte.Zero);
      digits++;
      c = b[++i]!;
    } while (c >= Byte.Zero && c <= Byte.Nine);
  } else throw GIVE_UP;
  if (c === Byte.Dot) {
    c = b[++i]!;
    if (!(c >= Byte.Zero && c <= Byte.Nine)) throw GIVE_UP;
    do {
      if (digits > 0 || c !== Byte.Zero) {
        mantissa = mantissa * 10 + (c - Byte.Zero);
        digits++;
      }
      exponent--;
      c = b[++i]!;
    } while (c >= Byte.Zero && c <= Byte.Nine);
  }
  let exact = digits <= EXACT_DIGITS;
  if (c === Byte.LowerE || c === Byte.UpperE) {
    c = b[++i]!;
    let sign = 1;
    if (c === Byte.Minus || c === Byte.Plus) {
      sign = c === Byte.Minus ? -1 : 1;
      c = b[++i]!;
    }
    if (!(c >= Byte.Zero && c <= Byte.Nine)) throw GIVE_UP;
    let written = 0;
    do {
      written = written * 10 + (c - Byte.Zero);
      if (written > 1_000) exact = false; // far outside the exact range; Number() reads it
      c = b[++i]!;
    } while (c >= Byte.Zero && c <= Byte.Nine);
    exponent += sign * written;
  }
  end = i;
  let value: number;
  if (exact && exponent >= -22 && exponent <= 22) {
    value = exponent < 0 ? mantissa / EXACT_POW10[-exponent]! : mantissa * EXACT_POW10[exponent]!;
    if (negative) value = -value;
  } else value = Number(b.toString('latin1', start, i));
  if (!Number.isFinite(value)) throw GIVE_UP; // 1e400: the fast path leaves it to graphql-js
  return value;
}

/** The symbol `b[start, end)`, as the string a batch's earlier ticks got for it (symbolCache). */
function cachedSymbol(b: Buffer, start: number, end: number): string {
  const length = end - start;
  if (length > SYMBOL_CACHE_MAX_BYTES) return b.toString('latin1', start, end);
  let hash = length;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + b[i]!) | 0;
  const slot = hash & (SYMBOL_CACHE_SIZE - 1);
  const cached = symbolCache[slot];
  if (cached !== undefined && cached.length === length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (cached.charCodeAt(i) !== b[start + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  return (symbolCache[slot] = b.toString('latin1', start, end));
}
