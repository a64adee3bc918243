import { BadLine, quote } from './bad-line.js';
import type { ToUtc } from './server-offset.js';

/** Field rules shared by the CSV and NDJSON readers (the MT5 export has its own: mt5-export.ts). */

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const WALL = /^(\d{4})[-.](\d{2})[-.](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

export interface Where {
  column: number;
  name: string;
}

/**
 * A time: epoch milliseconds (UTC), ISO 8601 with a zone, or a wall-clock time without one
 * (2026-11-27 10:00:00.017, 2026.11.27 10:00:00.017), which is the broker's server time and
 * needs --server-offset.
 */
export function timeField(value: unknown, where: Where, toUtc: ToUtc | null): number {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^\d{1,15}$/.test(text)) return Number(text);
    if (ISO_WITH_ZONE.test(text)) {
      const ms = Date.parse(text.replace(' ', 'T'));
      if (Number.isFinite(ms)) return ms;
    }
    const w = WALL.exec(text);
    if (w) {
      if (!toUtc) throw new BadLine(where.column, where.name, `${quote(text)} has no time zone: give --server-offset (the broker's server time) or write it with Z`);
      const wall = Date.UTC(+w[1]!, +w[2]! - 1, +w[3]!, +w[4]!, +w[5]!, +(w[6] ?? 0), Number((w[7] ?? '0').padEnd(3, '0')));
      if (Number.isFinite(wall) && new Date(wall).getUTCDate() === +w[3]!) return toUtc(wall);
    }
  }
  throw new BadLine(where.column, where.name, `expected epoch milliseconds or a date and time such as 2026-11-27T10:00:00.017Z; got ${quote(String(value))}`);
}

/** A number; `optional` allows empty or null (then null). */
export function numberField(value: unknown, where: Where, optional: boolean): number | null {
  if ((value === null || value === undefined || value === '') && optional) return null;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value.trim()) ? Number(value) : NaN;
  if (Number.isFinite(n)) return n;
  throw new BadLine(where.column, where.name, `expected a number such as 1.08512${optional ? ' or nothing' : ''}; got ${quote(String(value))}`);
}

/** flags: an unsigned 32-bit integer as MT5 writes it, bit 31 cleared for GraphQL's Int (as the EA does). */
export function flagsField(value: unknown, where: Where): number | null {
  const n = numberField(value, where, true);
  if (n === null) return null;
  if (Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff) return n & 0x7fff_ffff;
  throw new BadLine(where.column, where.name, `expected an unsigned 32-bit integer such as 6 or nothing; got ${quote(String(value))}`);
}

export function symbolField(value: unknown, where: Where, fallback: string | null): string {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if ((value === undefined || value === '') && fallback) return fallback;
  throw new BadLine(where.column, where.name, fallback === null ? 'expected a symbol: give --symbol, or a symbol column' : `expected a symbol; got ${quote(String(value))}`);
}
