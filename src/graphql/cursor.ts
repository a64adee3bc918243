import { badInput } from '../errors.js';
import type { TickPosition } from '../stores/ticks/tick-store.js';

// Cursors are opaque to clients: base64url of a tagged key, so a cursor of one list
// handed to another is refused instead of silently meaning something else.

/**
 * The longest cursor accepted, in characters. The ones issued here are under 100 (a live
 * cursor of a stream with many partitions may be longer: see liveCursorMaxChars); a longer one
 * was not issued here and is refused before it is decoded, whatever its size (issue 13).
 */
export const CURSOR_MAX_CHARS = 512;

function encode(tag: string, key: string): string {
  return Buffer.from(`${tag}:${key}`).toString('base64url');
}

function decode(
  tag: string,
  cursor: string,
  refused = () => badInput('`after` is not a cursor returned by this list', 'after'),
  maxChars = CURSOR_MAX_CHARS,
): string {
  if (cursor.length > maxChars) throw refused();
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

// `live:` and, per partition, `partition.seq,` with a 16-digit seq, in base64url.
const liveCursorMaxChars = (partitions: number) => Math.max(CURSOR_MAX_CHARS, Math.ceil(((5 + partitions * 28) * 4) / 3));

/**
 * The positions a subscription cursor names, when it can be one of a stream of `partitions`
 * partitions: at most one position per partition, each of a partition the stream has. A
 * replay's work per tick follows the positions it carries, so this bounds it by the stream, not
 * by what the client sent.
 */
export function decodeLiveCursor(cursor: string, partitions: number): Map<number, number> {
  const refused = () => badInput('`after` is not a cursor delivered by the `ticks` subscription', 'after');
  const entries = decode('live', cursor, refused, liveCursorMaxChars(partitions)).split(',');
  if (entries.length > partitions) throw badInput(`\`after\` names ${entries.length} stream partitions; the tick stream has ${partitions}`, 'after');
  const positions = new Map<number, number>();
  for (const entry of entries) {
    const [partition, seq] = entry.split('.').map(Number);
    if (!Number.isSafeInteger(partition) || !Number.isSafeInteger(seq) || partition! < 0) throw refused();
    if (partition! >= partitions) throw badInput(`\`after\` names stream partition ${partition}; the tick stream has ${partitions}`, 'after');
    positions.set(partition!, seq!);
  }
  return positions;
}
