import { describe, expect, it } from 'vitest';
import { MAX_TICKS_PER_RECORD, positionAfter, readRun, RECORD_FORMATS, runOf, SEQ_STRIDE, toRecords } from '../../src/stores/stream/tick-records.js';
import type { TickInput } from '../../src/stores/ticks/tick-store.js';

const tick = (symbol: string, time: number, over: Partial<TickInput> = {}): TickInput => ({ symbol, time, bid: 1.1, ask: 1.1002, last: null, volume: 1, flags: 6, ...over });
/** A record as a consumer reads it back: value and headers as Buffers. */
const read = (record: ReturnType<typeof toRecords>[number], offset: number, partition = 0) => ({
  key: Buffer.from(record.symbol),
  value: Buffer.from(record.value),
  offset,
  partition,
  headers: Object.fromEntries(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)])),
});

describe('tick records', () => {
  it.each(RECORD_FORMATS)('groups a batch by symbol, in batch order, at most MAX_TICKS_PER_RECORD ticks a record (%s)', (format) => {
    const batch = Array.from({ length: 2 * (MAX_TICKS_PER_RECORD + 2) }, (_, i) => tick(i % 2 ? 'B' : 'A', 1_000 + i));
    const records = toRecords(batch, format);
    expect(records.map((r) => r.headers['marketgraph-format'])).toEqual(Array(4).fill(format === 'json' ? '2' : '3'));
    expect(records.map((r) => [r.symbol, r.headers['marketgraph-ticks']])).toEqual([['A', String(MAX_TICKS_PER_RECORD)], ['A', '2'], ['B', String(MAX_TICKS_PER_RECORD)], ['B', '2']]);
    // Each symbol's ticks in batch order, across its records.
    const a = records.filter((r) => r.symbol === 'A').flatMap((r, i) => runOf(read(r, i)).ticks());
    expect(a.map((t) => t.time)).toEqual(batch.filter((t) => t.symbol === 'A').map((t) => t.time));
  });

  it.each(RECORD_FORMATS)('reads back every field, numbering the n-th tick of the record at offset o as o × SEQ_STRIDE + n (%s)', (format) => {
    const batch = [tick('EURUSD', 5, { last: 1.2, volume: null, flags: null }), tick('EURUSD', 3), tick('EURUSD', 4, { bid: 0.5, ask: 0.75 })];
    const [record] = toRecords(batch, format);
    const run = runOf(read(record!, 7));
    expect([run.symbol, run.firstSeq, run.count, run.minTime, run.maxTime]).toEqual(['EURUSD', 7 * SEQ_STRIDE, 3, 3, 5]);
    expect(run.ticks()).toEqual(batch.map((t, n) => ({ ...t, seq: 7 * SEQ_STRIDE + n })));
    expect([...run.times()]).toEqual([5, 3, 4]);
    // Out of time order: the newest is not the last line.
    expect(run.newest()).toEqual({ ...batch[0], seq: 7 * SEQ_STRIDE });
    expect(positionAfter(7)).toBe(8 * SEQ_STRIDE - 1);
    expect(positionAfter(-1)).toBe(-1);
  });

  it('refuses, with an error that says why, a record of a format it does not read, one whose rows are cut short, one holding more ticks than its header counts, and one with a tick outside its header\'s times', () => {
    const [record] = toRecords([tick('EURUSD', 1), tick('EURUSD', 2)]);
    const headers = (over: Record<string, string>) => ({ ...record!.headers, ...over });
    expect(() => runOf(read({ ...record!, headers: headers({ 'marketgraph-format': '4' }) }, 0))).toThrow(/marketgraph-format 4, which this version does not read/);
    const cut = runOf(read({ ...record!, value: record!.value.subarray(0, record!.value.length - 3) }, 0));
    // Reading the times alone refuses the same records.
    for (const decode of ['ticks', 'times'] as const) {
      expect(() => cut[decode]()).toThrow(/not RowBinary ticks .* a row ends 3 bytes past the record/);
      const counted = runOf(read({ ...record!, headers: headers({ 'marketgraph-ticks': '1' }) }, 0));
      expect(() => counted[decode]()).toThrow(/holds 2 ticks where its header says 1/);
      const timed = runOf(read({ ...record!, headers: headers({ 'marketgraph-times': '1-1' }) }, 0));
      expect(() => timed[decode]()).toThrow(/holds a tick at 2, outside its header's times 1-1/);
    }
  });

  it('reads a record written before issue 15 (one JSON tick, no header) with its offset as seq', () => {
    const t = tick('OLD', 9);
    const run = runOf({ key: Buffer.from('OLD'), value: Buffer.from(JSON.stringify(t)), offset: 42, partition: 1, headers: {} });
    expect(run.ticks()).toEqual([{ ...t, seq: 42 }]);
    expect([...run.times()]).toEqual([9]);
    expect([run.firstSeq, run.count, run.newest().seq]).toEqual([42, 1, 42]);
  });

  it('reads rows the byte scanner does not take (flags above 2^31, an escape, another key) through JSON.parse, with the same values', () => {
    const rows = [
      { symbol: 'EURUSD', time: 1, bid: 1.1, ask: 1.2, last: null, volume: null, flags: 4_294_967_295 },
      { symbol: 'EURUSD', time: 2, bid: 1.1, ask: 1.2, last: null, volume: null, flags: null, note: 'another program\'s key' },
    ];
    const run = runOf({ key: Buffer.from('EURUSD'), value: Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n')), offset: 3, partition: 0, headers: { 'marketgraph-format': Buffer.from('2'), 'marketgraph-ticks': Buffer.from('2'), 'marketgraph-times': Buffer.from('1-2') } });
    expect(run.ticks().map((t) => [t.time, t.flags, t.seq])).toEqual([[1, 4_294_967_295, 3 * SEQ_STRIDE], [2, null, 3 * SEQ_STRIDE + 1]]);
  });

  it('checks a record read from the log whole before handing it on, and says why one cannot be read and whether a later version wrote it', () => {
    const [good] = toRecords([tick('EURUSD', 1), tick('EURUSD', 2)]);
    const [json] = toRecords([tick('EURUSD', 1), tick('EURUSD', 2)], 'json');
    const why = (record: Parameters<typeof readRun>[0]) => {
      const read = readRun(record);
      return 'run' in read ? 'read' : { newer: read.newer, reason: read.unreadable };
    };
    expect(why(read(good!, 0))).toBe('read');
    expect(why(read(json!, 0))).toBe('read');
    // runOf reads the headers only; the rows cut short are found by readRun, not by a reader later.
    const cut = read({ ...good!, value: good!.value.subarray(0, good!.value.length - 3) }, 0);
    expect(() => runOf(cut)).not.toThrow();
    expect(why(cut)).toEqual({ newer: false, reason: expect.stringMatching(/a row ends 3 bytes past the record/) });
    expect(why(read({ ...good!, headers: { ...good!.headers, 'marketgraph-format': '4' } }, 0))).toEqual({ newer: true, reason: expect.stringMatching(/marketgraph-format 4, which this version does not read/) });
    expect(why(read({ ...good!, headers: { ...good!.headers, 'marketgraph-format': 'x' } }, 0))).toMatchObject({ newer: false });
    // Another program's JSON: a row that is not a tick never reaches the store or a subscriber.
    const badJson = { ...json!, value: Buffer.from(json!.value.toString().replace('"bid":1.1', '"bid":"1.1"')) };
    expect(why(read(badJson, 0))).toEqual({ newer: false, reason: expect.stringMatching(/line 1 is not a tick: bid is not a finite number/) });
    const headerless = (value: string) => why({ key: Buffer.from('EURUSD'), value: Buffer.from(value), offset: 5, partition: 0, headers: {} });
    expect(headerless('junk')).toMatchObject({ newer: false });
    expect(headerless('')).toEqual({ newer: false, reason: expect.stringMatching(/no marketgraph-format header and is not one JSON tick/) });
    expect(headerless('{"symbol":"EURUSD","time":1,"bid":1,"ask":1,"flags":"6"}')).toEqual({ newer: false, reason: expect.stringMatching(/flags is neither null nor a finite number/) });
    expect(headerless(JSON.stringify(tick('EURUSD', 1)))).toBe('read');
    // Rows of another symbol than the key: readers take the key for the rows' symbol (the
    // duplicate check's and the sink's memory), so such a record is refused, in either format.
    for (const record of [good!, json!]) {
      const otherKey = { ...read(record, 0), key: Buffer.from('GBPUSD') };
      expect(why(otherKey)).toEqual({ newer: false, reason: expect.stringMatching(/a row names "EURUSD" where the record's key names "GBPUSD"/) });
      expect(() => runOf(otherKey).ticks()).toThrow(/a row names "EURUSD" where the record's key names "GBPUSD"/);
    }
    // keepTimes: the times read for the check are what times() gives, with no second walk.
    const kept = readRun(read(good!, 0), { keepTimes: true });
    const again = readRun(read(good!, 0));
    if (!('run' in kept) || !('run' in again)) throw new Error('unreadable');
    expect(kept.run.times()).toBe(kept.run.times());
    expect(again.run.times()).not.toBe(again.run.times());
    expect([...kept.run.times()]).toEqual([...again.run.times()]);
  });
});
