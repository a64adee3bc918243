import { badInput } from '../errors.js';
import type { TickPosition } from '../stores/ticks/tick-store.js';

// Cursors are opaque to clients: base64url of a tagged key, so a cursor of one list
// handed to another is refused instead of silently meaning something else.

function encode(tag: string, key: string): string {
  return Buffer.from(`${tag}:${key}`).toString('base64url');
}

function decode(tag: string, cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(`${tag}:`)) throw badInput('`after` is not a cursor returned by this list', 'after');
  return text.slice(tag.length + 1);
}

export function tickCursor(t: TickPosition): string {
  return encode('tick', `${t.time}:${t.seq}`);
}

export function decodeTickCursor(cursor: string): TickPosition {
  const [time, seq] = decode('tick', cursor).split(':').map(Number);
  if (!Number.isSafeInteger(time) || !Number.isSafeInteger(seq))
    throw badInput('`after` is not a cursor returned by this list', 'after');
  return { time: time!, seq: seq! };
}

export const keyCursor = (tag: 'instrument' | 'account', key: string) => encode(tag, key);
export const decodeKeyCursor = (tag: 'instrument' | 'account', cursor: string) => decode(tag, cursor);
