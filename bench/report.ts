import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { SCALE } from './harness.js';

export interface Row {
  scenario: string;
  figure: number;
  unit: string;
  baseline: number | null;
  baselineName: string | null;
  /** figure / baseline; for latencies, where lower is better, baseline / figure is not used: see `higherIsBetter`. */
  ratio: number | null;
  target: string;
  pass: boolean | null;
}

export const machine = () => `${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;

/** Prints progress to stderr: a benchmark takes minutes. */
export const progress = (message: string) => process.stderr.write(`[bench] ${message}\n`);

export function writeResults(name: string, rows: Row[], details: Record<string, unknown> = {}): void {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const servers = Boolean(process.env.BENCH_SERVERS);
  // A run against servers does not replace the embedded one: the two answer different questions.
  const file = new URL(`./results/${name}${servers ? '.servers' : ''}.json`, import.meta.url);
  // A run at BENCH_SCALE < 1 or under the profiler is a debugging run: the file says so.
  const run = { scale: SCALE, profiled: process.env.BENCH_PROFILE === '1', servers };
  writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine: machine(), run, rows, details }, null, 2) + '\n');
}

export function printTable(rows: Row[]): void {
  const fmt = (n: number | null) => (n === null ? '-' : n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));
  const table = rows.map((r) => ({
    scenario: r.scenario,
    figure: `${fmt(r.figure)} ${r.unit}`,
    baseline: r.baseline === null ? '-' : `${fmt(r.baseline)} (${r.baselineName})`,
    ratio: r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
    target: r.target,
    result: r.pass === null ? '-' : r.pass ? 'pass' : 'FAIL',
  }));
  console.table(table);
}
