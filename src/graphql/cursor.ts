import { badInput } from '../errors.js';
import type { TickPosition } from '../stores/ticks/tick-store.js';

// Cursors are opaque to clients: base64url of a tagged key, so a cursor of one list
// handed to another is refused instead of silently meaning something else.

function encode(tag: string, key: string): string {
  return Buffer.from(`${tag}:${key}`).toString('base64url');
}

function decode(tag: string, cursor: string, refused = () => badInput('`after` is not a cursor returned by this list', 'after')): string {
  const text = Buffer.from(cursor, 'base64url').toString();
  if (!text.startsWith(`${tag}:`)) throw refused();
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

/** Last seq per stream partition: where a subscriber stands. */
export type StreamPositions = ReadonlyMap<number, number>;

/** A subscription cursor: every tick of the subscription's symbols up to these positions was delivered. */
export function liveCursor(positions: StreamPositions): string {
  let key = '';
  for (const [partition, seq] of positions) key += `${key ? ',' : ''}${partition}.${seq}`;
  return encode('live', key);
}

export function decodeLiveCursor(cursor: string): Map<number, number> {
  const refused = () => badInput('`after` is not a cursor delivered by the `ticks` subscription', 'after');
  const positions = new Map<number, number>();
  for (const entry of decode('live', cursor, refused).split(',')) {
    const [partition, seq] = entry.split('.').map(Number);
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(seq) || partition! < 0) throw refused();
    positions.set(partition!, seq!);
  }
  return positions;
}
