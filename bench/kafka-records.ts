import { Partitioners } from 'kafkajs';
import type { TickInput } from '../src/stores/ticks/tick-store.js';
import type { Row } from './report.js';

/**
 * Ticks as Kafka records for bench/kafka.ts: one JSON tick per record (what the gateway's
 * kafka-tick-stream.ts produces today) or many ticks of one symbol per record as JSONEachRow
 * lines (one JSON object per line, the format ClickHouse's Kafka table engine reads several rows
 * of from one message). Nothing here is the gateway's code: the design is what is measured.
 */
export const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`);
export const PARTITIONS = 3; // the gateway's KAFKA_PARTITIONS default (src/config.ts)

export interface TickRecord {
  key: string;
  value: string;
  partition: number;
  ticks: number;
}

let clock = Date.now() - 5 * 86_400_000;

/** `count` ticks over SYMBOLS in turn, each a new millisecond, as the ingest bench makes them. */
export function makeTicks(count: number): TickInput[] {
  return Array.from({ length: count }, (_, i) => {
    const bid = 1 + (i % 1000) / 10_000;
    return { symbol: SYMBOLS[i % SYMBOLS.length]!, time: clock++, bid, ask: bid + 0.0002, last: null, volume: 1, flags: 6 };
  });
}

/** The gateway's encoding of one tick (kafka-tick-stream.ts `encode`), copied so that the bench measures the same bytes. */
export const encodeTick = (t: TickInput) =>
  JSON.stringify({ symbol: t.symbol, time: t.time, bid: t.bid, ask: t.ask, last: t.last, volume: t.volume, flags: t.flags });

// The producer's default partitioner (murmur2 of the key, as the Java client), which the gateway
// applies itself to know each tick's partition; both clients are given the same partitions.
const partitioner = Partitioners.DefaultPartitioner();
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
export const partitionOf = (symbol: string) => partitioner({ topic: 'bench', partitionMetadata, message: { key: symbol, value: null } });

/**
 * Records of up to `perRecord` ticks of one symbol each, in time order within the symbol. With
 * perRecord 1 this is the gateway's record; above 1 the value is the ticks' JSON joined by '\n'.
 */
export function toRecords(ticks: readonly TickInput[], perRecord: number): TickRecord[] {
  if (perRecord === 1) return ticks.map((t) => ({ key: t.symbol, value: encodeTick(t), partition: partitionOf(t.symbol), ticks: 1 }));
  const open = new Map<string, TickInput[]>();
  const records: TickRecord[] = [];
  const flush = (symbol: string, list: TickInput[]) =>
    records.push({ key: symbol, value: list.map(encodeTick).join('\n'), partition: partitionOf(symbol), ticks: list.length });
  for (const t of ticks) {
    let list = open.get(t.symbol);
    if (!list) open.set(t.symbol, (list = []));
    list.push(t);
    if (list.length === perRecord) {
      flush(t.symbol, list);
      open.delete(t.symbol);
    }
  }
  for (const [symbol, list] of open) flush(symbol, list);
  return records;
}

/** Decodes a record's value back to ticks: one JSON object per line (a one-tick record is one line). */
export function decodeRecord(value: string): TickInput[] {
  if (!value.includes('\n')) return [JSON.parse(value) as TickInput];
  return value.split('\n').map((line) => JSON.parse(line) as TickInput);
}

// What one send may put in one partition (kafka-tick-stream.ts): below the broker's default
// message.max.bytes of 1 MiB, and at most 1,000 messages per send.
const MAX_BATCH_BYTES = 768 * 1024;
const MAX_MESSAGES_PER_SEND = 1_000;
const RECORD_OVERHEAD_BYTES = 24;

/** Records split into sends by the gateway's rule (kafka-tick-stream.ts `sendRanges`). */
export function sends(records: readonly TickRecord[]): TickRecord[][] {
  const out: TickRecord[][] = [];
  let bytes = new Map<number, number>();
  let current: TickRecord[] = [];
  for (const r of records) {
    const size = r.key.length + r.value.length + RECORD_OVERHEAD_BYTES;
    const filled = (bytes.get(r.partition) ?? 0) + size;
    if ((filled > MAX_BATCH_BYTES || current.length >= MAX_MESSAGES_PER_SEND) && current.length > 0) {
      out.push(current);
      current = [];
      bytes = new Map([[r.partition, size]]);
    } else {
      bytes.set(r.partition, filled);
    }
    current.push(r);
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Wall ms of `run`. */
function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

/**
 * Issue 15, item 3: encoding 100,000 ticks into records of 1,000 (JSONEachRow) and decoding them
 * back, against one JSON.stringify / JSON.parse per tick (one record per tick, as today), each
 * to and from Buffers, as a client sends and receives them. Best of 5 rounds, after a warm-up.
 */
export function benchEncoding(count: number): Row[] {
  const ticks = makeTicks(count);
  const perTick = () => {
    const values = ticks.map((t) => Buffer.from(encodeTick(t)));
    let n = 0;
    for (const v of values) n += decodeRecord(v.toString()).length;
    return n;
  };
  const encodeMulti = () => toRecords(ticks, 1_000).map((r) => Buffer.from(r.value));
  const multi = () => {
    let n = 0;
    for (const v of encodeMulti()) n += decodeRecord(v.toString()).length;
    return n;
  };
  const best = (run: () => void) => {
    run();
    return Math.min(...Array.from({ length: 5 }, () => timed(run))) / count;
  };
  const checked = (run: () => number) => () => {
    if (run() !== count) throw new Error('decoded a different count of ticks');
  };
  const oneEncode = best(() => ticks.map((t) => Buffer.from(encodeTick(t))));
  const oneRound = best(checked(perTick));
  const multiEncode = best(encodeMulti);
  const multiRound = best(checked(multi));
  const ns = (msPerTick: number) => msPerTick * 1e6;
  const row = (scenario: string, figure: number, baseline: number, baselineName: string): Row => ({
    scenario,
    figure: ns(figure),
    unit: 'ns/tick',
    baseline: ns(baseline),
    baselineName,
    ratio: figure / baseline,
    target: 'report',
    pass: null,
  });
  return [
    row(`kafka: encode ${count.toLocaleString('en-US')} ticks into 1,000-tick JSONEachRow records`, multiEncode, oneEncode, 'one JSON.stringify per tick, one record each'),
    row(`kafka: encode and decode back, 1,000-tick records`, multiRound, oneRound, 'one JSON.stringify and JSON.parse per tick'),
  ];
}
