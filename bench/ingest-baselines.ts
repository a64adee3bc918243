import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse } from 'graphql';
import { DateTime } from '../src/graphql/datetime.js';
import { typeDefs } from '../src/graphql/schema.js';
import { createNativeSpool, insertNative } from '../src/stores/ticks/chdb-tick-store.js';
import { ticksToJsonEachRow, ticksToNative, ticksToTabSeparated } from '../src/stores/ticks/tick-rows.js';
import { TICK_COLUMNS, TICKS_TABLE } from '../src/stores/ticks/ticks-sql.js';
import type { StoredTick, TickInput } from '../src/stores/ticks/tick-store.js';
import { discardChdb, openTicksEngine } from './harness.js';
import { body, MUTATION } from './ingest-load.js';

/** The ingest scenario's baselines, measured in the same run as the gateway: graphql-js, and chDB alone. */
export interface Baseline {
  rowsPerS: number;
  /** CPU of the engine's threads per row (threadCpuMs). */
  engineUsPerRow: number;
  /** Of which in the kernel (system time): mostly creating each insert's part files. */
  engineKernelUsPerRow: number;
}

/** graphql-js coercing the same variables and calling a resolver that does nothing. */
export function graphqlJsBaseline(batch: number, ticks: (count: number) => TickInput[]): number {
  const schema = buildSubgraphSchema({
    typeDefs,
    resolvers: { DateTime, Mutation: { insertTicks: () => ({ accepted: 0, duplicates: 0, rejected: [] }) } } as never,
  });
  const document = parse(MUTATION);
  const variables = Array.from({ length: 5 }, () => JSON.parse(body(ticks(batch))).variables);
  execute({ schema, document, variableValues: variables[0] }); // warm-up
  const started = performance.now();
  for (const v of variables) execute({ schema, document, variableValues: v });
  return (variables.length * batch) / ((performance.now() - started) / 1000);
}

/**
 * The engine's input formats a baseline can insert in: Native and TabSeparated, as the embedded
 * tick store writes them; JSONEachRow, the ticks as JSON lines (with their `time` in epoch
 * milliseconds, as bridges send them): what the engine would pay to read the bridges' own text.
 */
export type ChdbFormat = 'Native' | 'TabSeparated' | 'JSONEachRow';
const ENCODERS = { Native: ticksToNative, TabSeparated: ticksToTabSeparated, JSONEachRow: ticksToJsonEachRow } satisfies Record<ChdbFormat, (ticks: StoredTick[]) => Buffer>;

/**
 * chDB alone inserting the same rows as the gateway gets for this batch size (`totalRows`,
 * in inserts of `batch` rows, one after another), bodies written beforehand: in Native format
 * through a file, the way the embedded tick store does, and in TabSeparated through chDB's insert
 * call (the same table, each format in a fresh engine). Sustained: as many inserts as the
 * gateway's run makes, so the engine's background merges run during it as they do during the
 * gateway's (5 inserts measured a burst before any merge: 3.7 M rows/s at 100,000 rows). One
 * at a time, as the gateway's group commits run (chDB also runs bound queries one at a time per
 * process). `engineUsPerRow`: CPU of every thread but JavaScript's, per row (threadCpuMs).
 */
export async function chdbBaseline(batch: number, totalRows: number, format: ChdbFormat, ticks: (count: number) => TickInput[]): Promise<Baseline> {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-chdb-'));
  const session = await openTicksEngine(dir);
  const spool = createNativeSpool();
  try {
    const encode = ENCODERS[format];
    const insert =
      format === 'Native'
        ? (body: Buffer) => insertNative(session, spool, body)
        : (body: Buffer) => session.insert({ table: TICKS_TABLE, columns: TICK_COLUMNS, values: body, format });
    const inserts = Math.max(5, Math.round(totalRows / batch));
    const rows = Array.from({ length: inserts + 1 }, () => encode(ticks(batch).map((t, i): StoredTick => ({ ...t, seq: i }))));
    await insert(rows.pop()!); // warm-up
    const cpuBefore = threadCpuMs(process.pid);
    const started = performance.now();
    for (const r of rows) await insert(r);
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = threadCpuMs(process.pid);
    const perRow = (ms: number) => (ms * 1000) / (inserts * batch);
    return { rowsPerS: (inserts * batch) / seconds, engineUsPerRow: perRow(cpuAfter.engine - cpuBefore.engine), engineKernelUsPerRow: perRow(cpuAfter.engineKernel - cpuBefore.engineKernel) };
  } finally {
    spool.remove();
    await discardChdb(session, dir, TICKS_TABLE);
  }
}

/**
 * CPU a process's threads have used so far, ms, in two parts: `js`, its JavaScript (the main
 * thread, and V8's helper threads: garbage collection, compilation), and `engine`, every other
 * thread: chDB's own pools and the libuv pool its queries run on (which also writes the Native
 * spool file); `engineKernel` is the part of `engine` spent in the kernel. Linux /proc, in clock
 * ticks of 10 ms.
 */
export function threadCpuMs(pid: number): { js: number; engine: number; engineKernel: number } {
  const cpu = { js: 0, engine: 0, engineKernel: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kernelMs = Number(fields[12]) * 10;
    const ms = Number(fields[11]) * 10 + kernelMs;
    if (name === 'MainThread' || name.startsWith('V8')) cpu.js += ms;
    else {
      cpu.engine += ms;
      cpu.engineKernel += kernelMs;
    }
  }
  return cpu;
}
