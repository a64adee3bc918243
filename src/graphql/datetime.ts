import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { ErrorCode } from '../errors.js';

// ISO-8601 date and time with an explicit zone: without one, the instant is ambiguous.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):?(\d{2}))$/;
// The range of an ECMAScript Date (±100,000,000 days from the epoch): beyond, no instant prints.
const MAX_EPOCH_MS = 8.64e15;

function invalid(value: unknown, why = ''): GraphQLError {
  const shown = typeof value === 'string' ? `"${value.slice(0, 40)}"` : String(value).slice(0, 40);
  return new GraphQLError(
    `DateTime must be an ISO-8601 string with a time zone (2026-11-27T10:15:00.123Z) or epoch milliseconds${why}; got ${shown}`,
    { extensions: { code: ErrorCode.BAD_USER_INPUT } },
  );
}

const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number) => (month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!);

const digit = (bytes: Uint8Array, i: number) => {
  const d = bytes[i]! - 48;
  return d >= 0 && d <= 9 ? d : NaN;
};

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year 100 or later). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

const MS_PER_DAY = 86_400_000;

/**
 * The form bridges send, `2026-11-27T10:15:00Z` or `2026-11-27T10:15:00.123Z`, read byte by
 * byte from `bytes[start, end)`: no string, no regular expression, no Date (insertTicks's fast
 * path reads it straight from the request body; a 10,000-tick batch of ISO times spent most of
 * its parse in isoInstant's regular expression, then in making a string per time and Date.UTC).
 * Undefined for any other form, or a field out of range: isoInstant then decides, with the same rules.
 */
function canonicalInstant(bytes: Uint8Array, start: number, end: number): number | undefined {
  const n = end - start;
  if ((n !== 20 && n !== 24) || bytes[end - 1] !== 0x5a) return undefined; // Z
  const at = start;
  if (bytes[at + 4] !== 0x2d || bytes[at + 7] !== 0x2d || bytes[at + 10] !== 0x54 || bytes[at + 13] !== 0x3a || bytes[at + 16] !== 0x3a) return undefined; // - - T : :
  if (n === 24 && bytes[at + 19] !== 0x2e) return undefined; // .
  const year = digit(bytes, at) * 1000 + digit(bytes, at + 1) * 100 + digit(bytes, at + 2) * 10 + digit(bytes, at + 3);
  const month = digit(bytes, at + 5) * 10 + digit(bytes, at + 6);
  const day = digit(bytes, at + 8) * 10 + digit(bytes, at + 9);
  const hour = digit(bytes, at + 11) * 10 + digit(bytes, at + 12);
  const minute = digit(bytes, at + 14) * 10 + digit(bytes, at + 15);
  const second = digit(bytes, at + 17) * 10 + digit(bytes, at + 18);
  const ms = n === 24 ? digit(bytes, at + 20) * 100 + digit(bytes, at + 21) * 10 + digit(bytes, at + 22) : 0;
  // NaN (a non-digit) fails every comparison below; years before 100 are left to isoInstant.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59 && ms >= 0)) return undefined;
  if (day > daysIn(year, month)) return undefined;
  return daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
}

// A text's characters as bytes, for canonicalInstant (the canonical form is ASCII, 24 at most).
const textBytes = new Uint8Array(24);

function canonicalTextInstant(text: string): number | undefined {
  const n = text.length;
  if (n !== 20 && n !== 24) return undefined;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return undefined;
    textBytes[i] = c;
  }
  return canonicalInstant(textBytes, 0, n);
}

/**
 * Epoch milliseconds of an ISO-8601 text whose every field names something that exists, or
 * undefined. `Date.parse` alone rolls over (issue 13: `2026-02-30T10:00:00Z` became 2 March and
 * `T24:00:00Z` the next day), so a bridge's malformed time was silently misfiled.
 */
function isoInstant(text: string): number | undefined {
  const canonical = canonicalTextInstant(text);
  if (canonical !== undefined) return canonical;
  const m = ISO_8601.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second = 0] = m.slice(1, 7).map((f) => (f === undefined ? undefined : Number(f))) as number[];
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysIn(year!, month!)) return undefined;
  if (hour! > 23 || minute! > 59 || second > 59) return undefined;
  const [sign, offsetHours, offsetMinutes] = [m[8], Number(m[9] ?? 0), Number(m[10] ?? 0)];
  if (offsetHours > 23 || offsetMinutes > 59) return undefined;
  // Digits beyond milliseconds are dropped, as Date.parse does.
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const date = new Date(Date.UTC(2000, month! - 1, day!, hour!, minute!, second, ms));
  date.setUTCFullYear(year!); // Date.UTC reads years 0 to 99 as 1900 to 1999
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return date.getTime() - offset;
}

/**
 * Parses an input DateTime to epoch milliseconds: the one parser of times a client sends,
 * for queries and for insertTicks's fast path and graphql-js path alike.
 */
export function parseDateTime(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && Math.abs(value) <= MAX_EPOCH_MS) return value;
    throw invalid(value, ' within ±8.64e15');
  }
  if (typeof value === 'string') {
    const ms = isoInstant(value);
    if (ms !== undefined && Math.abs(ms) <= MAX_EPOCH_MS) return ms;
    if (ISO_8601.test(value)) throw invalid(value, ' naming a date and time that exist');
  }
  throw invalid(value);
}

/**
 * parseDateTime of a JSON string's text, `bytes[start, end)` (no escapes, as insertTicks's fast
 * path hands it): the canonical form without making a string, any other through parseDateTime.
 */
export function parseDateTimeText(bytes: Buffer, start: number, end: number): number {
  return canonicalInstant(bytes, start, end) ?? parseDateTime(bytes.toString('latin1', start, end));
}

function parseLiteral(node: ValueNode): number {
  if (node.kind === Kind.INT) return parseDateTime(Number(node.value));
  if (node.kind === Kind.STRING) return parseDateTime(node.value);
  throw invalid(node.kind);
}

export const DateTime = new GraphQLScalarType<number, string>({
  name: 'DateTime',
  serialize(value) {
    const ms = value instanceof Date ? value.getTime() : (value as number);
    if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new GraphQLError('DateTime cannot represent a non-time value');
    return new Date(ms).toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral,
});
