import type { GatewayProcess } from '../test/helpers/process-gateway.js';
import { median, scaled } from './harness.js';
import { body, CLIENTS, sendLoad, tickAt, upsertInstruments, type Load, type TickJson } from './ingest-load.js';
import { progress, type Row } from './report.js';

/**
 * Issue 15, "the shapes bridges send": 10,000-tick batches from 4 clients, varying one thing at a
 * time from the main rows' shape (each client its own symbols, times in order, epoch ms). Each
 * shape has symbols of its own, so no shape's ticks are older than another's. Every row's ratio
 * is to the best shape of the same run.
 */
const BATCH = 10_000;
const SHAPE_TICKS = scaled(600_000); // per shape, across all clients
const PER_CLIENT = Math.max(1, Math.round(SHAPE_TICKS / BATCH / CLIENTS));
const DAY_MS = 86_400_000;

const symbolsOf = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
/** Symbols dealt to the clients in turn: client c gets every CLIENTS-th one. */
const dealt = (symbols: readonly string[]) => Array.from({ length: CLIENTS }, (_, c) => symbols.filter((_, i) => i % CLIENTS === c));

/**
 * Each client's batches over its own symbols in turn, every tick a new millisecond from `start`
 * (one clock across clients, so their symbols never share a time), times as `timeOf` writes them.
 */
function ownSymbols(own: readonly (readonly string[])[], start: number, timeOf: (ms: number) => number | string = (ms) => ms): string[][] {
  let clock = start;
  return own.map((symbols) =>
    Array.from({ length: PER_CLIENT }, () => body(Array.from({ length: BATCH }, (_, i) => tickAt(symbols[i % symbols.length]!, timeOf(clock++), i)))),
  );
}

/**
 * All clients on one symbol, client c sending the times start + CLIENTS·k + c: each client in time
 * order, no two ticks alike, but every batch older than what the other clients sent meanwhile.
 */
function interleaved(symbol: string, start: number): string[][] {
  return Array.from({ length: CLIENTS }, (_, c) =>
    Array.from({ length: PER_CLIENT }, (_, b) => body(Array.from({ length: BATCH }, (_, i) => tickAt(symbol, start + ((b * BATCH + i) * CLIENTS + c), i)))),
  );
}

interface Shape {
  name: string;
  symbols: string[];
  /** Bodies per client, built before the clock starts. */
  bodies(): string[][];
  /** What is sent before the clock starts; its ticks count as accepted. */
  prepare?(url: string): Promise<number>;
}

/** The shapes of one pass; `pass` names its symbols, so that no pass repeats another's ticks. */
function shapes(now: number, pass: string): Shape[] {
  const start = now - 4 * DAY_MS;
  const epoch = symbolsOf(`SH${pass}E`, 50);
  const iso = symbolsOf(`SH${pass}I`, 50);
  const one = symbolsOf(`SH${pass}O`, CLIENTS);
  const fifty = symbolsOf(`SH${pass}F`, 50 * CLIENTS);
  const shared = symbolsOf(`SH${pass}X`, 1);
  const backfill = symbolsOf(`SH${pass}B`, 50);
  // Backfill: the newest tick of every symbol is stored first, an hour ago; the load then sends
  // ticks from four days ago in time order, as a history import does.
  const recent = now - 3_600_000;
  return [
    { name: 'times as epoch milliseconds (12-13 symbols a batch)', symbols: epoch, bodies: () => ownSymbols(dealt(epoch), start) },
    { name: 'times as ISO-8601 strings (12-13 symbols a batch)', symbols: iso, bodies: () => ownSymbols(dealt(iso), start, (ms) => new Date(ms).toISOString()) },
    { name: 'one symbol a batch (each client its own)', symbols: one, bodies: () => ownSymbols(dealt(one), start) },
    { name: 'fifty symbols a batch (each client its own fifty)', symbols: fifty, bodies: () => ownSymbols(dealt(fifty), start) },
    { name: 'four clients interleaving times on one symbol', symbols: shared, bodies: () => interleaved(shared[0]!, start) },
    {
      name: 'backfill: every tick older than the stored ones',
      symbols: backfill,
      bodies: () => ownSymbols(dealt(backfill), start),
      async prepare(url) {
        const newest = backfill.map((symbol, i): TickJson => tickAt(symbol, recent + i, i));
        await sendLoad(url, [[body(newest)]], newest.length);
        return newest.length;
      },
    },
  ];
}

export interface ShapesRun {
  rows: Row[];
  /** Ticks the gateway accepted, the prepared ones included. */
  accepted: number;
  symbols: string[];
}

// Passes over the shapes. One shape's passes differed by up to 1.45x within a run on the
// development machine (2 cores shared with the load generator and the engine's merges): with
// two passes and their mean, one slow pass decided whether a shape met 0.8x of the best.
const PASSES = ['A', 'B', 'C', 'D'];

/**
 * The shapes, one after another, in four passes, every other one in reverse order, so that no
 * shape is measured only first (after the main rows, while the engine still merges their parts)
 * or only last; each shape's figure is the median of its four rates (the mean of the middle
 * two). `settled` runs before each clock starts: it waits until the work of what was sent
 * before is done (with Kafka, the sink has stored everything appended so far, the backfill's
 * newest ticks among it), so that no shape pays for the one before.
 */
export async function benchShapes(gateway: GatewayProcess, settled: () => Promise<unknown>): Promise<ShapesRun> {
  const now = Date.now();
  const passes = PASSES.map((pass, p) => (p % 2 ? shapes(now, pass).reverse() : shapes(now, pass)));
  const symbols = passes.flat().flatMap((s) => s.symbols);
  await upsertInstruments(gateway, symbols);
  const rates = new Map<string, number[]>(); // shape name → its rate in each pass
  let accepted = 0;
  for (const [p, list] of passes.entries()) {
    for (const shape of list) {
      progress(`ingest shapes, pass ${p + 1}: ${shape.name}`);
      accepted += (await shape.prepare?.(gateway.url)) ?? 0;
      const bodies = shape.bodies();
      await settled();
      const load = await sendLoad(gateway.url, bodies, CLIENTS * PER_CLIENT * BATCH);
      accepted += load.accepted;
      rates.set(shape.name, [...(rates.get(shape.name) ?? []), rate(load)]);
    }
  }
  const measured = passes[0]!.map((shape) => ({ shape, rates: rates.get(shape.name)!, rate: median(rates.get(shape.name)!) }));
  const best = measured.reduce((a, b) => (b.rate > a.rate ? b : a));
  const rows = measured.map(({ shape, rates, rate }): Row => ({
    scenario: `ingest shape: ${shape.name}, ${BATCH.toLocaleString('en-US')}-tick batches, ${CLIENTS} clients (median of ${rates.length} passes: ${rates.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')})`,
    figure: rate,
    unit: 'ticks/s',
    baseline: best.rate,
    baselineName: `best shape of the run (${best.shape.name.replace(/ \(.*\)$/, '')})`,
    ratio: rate / best.rate,
    target: '>= 0.8x the best shape',
    pass: rate / best.rate >= 0.8,
  }));
  return { rows, accepted, symbols };
}

const rate = (l: Load) => l.accepted / l.seconds;
