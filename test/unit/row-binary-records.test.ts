import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRowBinary, readRowBinaryTimes } from '../../src/stores/stream/row-binary-records.js';
import { toRecords } from '../../src/stores/stream/tick-records.js';
import { rowBinaryToNative, rowBinaryWithSeq } from '../../src/stores/ticks/row-binary-ticks.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

/**
 * Format 3 against ClickHouse's own RowBinary (chDB, ClickHouse in-process): what the writer
 * writes, ClickHouse reads with the documented structure, and what ClickHouse writes with that
 * structure, the reader reads, every value exactly.
 */
const STRUCTURE = "symbol String, time DateTime64(3, 'UTC'), bid Float64, ask Float64, last Nullable(Float64), volume Nullable(Float64), flags Nullable(UInt32)";

const ticks: TickInput[] = [
  { symbol: 'EURUSD', time: 1_767_225_600_000, bid: 1.1, ask: 1.1002, last: null, volume: 1, flags: 6 },
  { symbol: 'EURUSD', time: 1_767_225_600_001, bid: 1.10005, ask: 1.10025, last: 1.1001, volume: 0.25, flags: null },
  { symbol: 'EURUSD', time: 2 ** 41 + 3, bid: 0.1 + 0.2, ask: Number.MAX_VALUE, last: Number.MIN_VALUE, volume: 0, flags: 4_294_967_295 },
  { symbol: 'EURUSD', time: 946_684_800_000, bid: 123_456.789, ask: 1e-7, last: 2 ** 53 + 2, volume: null, flags: 0 },
];

describe('RowBinary records (format 3), and the Native bodies the chDB store makes of them', () => {
  let dir: string;
  let session: Session;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'marketgraph-rowbinary-'));
    session = new Session(join(dir, 'chdb'));
  });
  afterAll(() => {
    session.cleanup?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes rows ClickHouse reads with the documented structure, every value exact", async () => {
    const [record] = toRecords(ticks);
    const file = join(dir, 'written.bin');
    writeFileSync(file, record!.value);
    const result = await session.queryBindAsync(
      `SELECT symbol, toUnixTimestamp64Milli(time) AS time, bid, ask, last, volume, flags FROM file({file:String}, 'RowBinary', {structure:String})`,
      { file, structure: STRUCTURE },
      { format: 'JSONEachRow' },
    );
    // Floats as ClickHouse prints them with full precision, compared as numbers.
    const rows = result.text().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => ({ ...r, time: Number(r.time) }))).toEqual(ticks);
  });

  it('reads rows ClickHouse writes with the structure, NULLs and the largest values included', async () => {
    const values = ticks.map((t) => `('${t.symbol}', ${t.time}, ${t.bid}, ${t.ask}, ${t.last ?? 'NULL'}, ${t.volume ?? 'NULL'}, ${t.flags ?? 'NULL'})`);
    const result = await session.queryAsync(
      `SELECT symbol, fromUnixTimestamp64Milli(toInt64(t), 'UTC') AS time, bid, ask, last, volume, flags
       FROM values('symbol String, t Int64, bid Float64, ask Float64, last Nullable(Float64), volume Nullable(Float64), flags Nullable(UInt32)', ${values.join(', ')})`,
      { format: 'RowBinary' },
    );
    const bytes = Buffer.from(result.bytes());
    expect(readRowBinary(bytes, 10)).toEqual(ticks.map((t, n) => ({ ...t, seq: 10 + n })));
    // Times alone, passing the other fields (NULLs and all) by their sizes.
    const times = new Float64Array(ticks.length);
    expect(readRowBinaryTimes(bytes, times, Buffer.from(ticks[0]!.symbol))).toBe(ticks.length);
    expect([...times]).toEqual(ticks.map((t) => t.time));
  });

  it("sizes a body of the log's records (one symbol each) exactly, so that the memory a store keeps for the next insert holds it", () => {
    const batch = Array.from({ length: 10_000 }, (_, i): TickInput => ({ ...ticks[i % ticks.length]!, symbol: `S${i % 50}`, time: 1_767_225_600_000 + i }));
    const parts = toRecords(batch).map((r, k) => ({ rows: Buffer.from(r.value), firstSeq: k * 1024, count: Number(r.headers['marketgraph-ticks']) }));
    const body = rowBinaryToNative(parts);
    expect(body.buffer.byteLength).toBe(body.length); // the rows' whole size as the symbols' room made it 1.7 times as large
  });

  it('writes a body ClickHouse reads back exactly when later rows name longer symbols than the first (room is guessed from the first)', async () => {
    const mixed = Array.from({ length: 2_000 }, (_, i): TickInput => ({ ...ticks[i % ticks.length]!, symbol: i === 0 || i % 7 ? 'S' : `L${'x'.repeat(300)}${i}` }));
    // Rows in this order (toRecords would group them by symbol).
    const part = { rows: Buffer.concat(mixed.map((t) => Buffer.from(toRecords([t])[0]!.value))), firstSeq: 5, count: mixed.length };
    const file = join(dir, 'mixed.native');
    writeFileSync(file, rowBinaryToNative([part])); // no memory handed in: the body's own, sized by the guess
    const result = await session.queryBindAsync(
      `SELECT symbol, toUnixTimestamp64Milli(time) AS time, bid, ask, last, volume, flags, seq FROM file({file:String}, 'Native')`,
      { file },
      { format: 'JSONEachRow' },
    );
    const rows = result.text().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(rows.map((r) => ({ ...r, time: Number(r.time), seq: Number(r.seq) }))).toEqual(mixed.map((t, n) => ({ ...t, seq: 5 + n })));
  });
});

describe('RowBinary rows that are not whole', () => {
  const [record] = toRecords(ticks.slice(0, 2));
  const rows = Buffer.from(record!.value);
  const flagAt = 1 + 'EURUSD'.length + 24; // the first row's `last` flag
  const malformed: [string, Buffer, RegExp][] = [
    ['cut short', rows.subarray(0, rows.length - 3), /a row ends 3 bytes past the record/],
    ['a Nullable flag of 2', Buffer.concat([rows.subarray(0, flagAt), Buffer.from([2]), rows.subarray(flagAt + 1)]), /a Nullable's flag is 2/],
    ['a symbol length of six bytes', Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), /a string length runs past 5 bytes/],
  ];

  it.each(malformed)('are refused for the same reason by the log reader and the store encoders (%s)', (_, bytes, why) => {
    expect(() => readRowBinary(bytes, 0)).toThrow(why);
    expect(() => readRowBinaryTimes(bytes, new Float64Array(4), Buffer.from('EURUSD'))).toThrow(why);
    const part = { rows: bytes, firstSeq: 0, count: 2 };
    expect(() => rowBinaryToNative([part])).toThrow(why);
    expect(() => rowBinaryWithSeq([part])).toThrow(why);
  });
});
