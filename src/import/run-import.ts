import { basename } from 'node:path';
import { BridgeStopped, createBridgeClient } from '../bridge/bridge-client.js';
import { gqlClient } from '../bridge/gql.js';
import type { BridgeReport } from '../bridge/report.js';
import type { TickInput } from '../stores/ticks/tick-store.js';
import { BadLine } from './bad-line.js';
import { instrumentMaker } from './create-instruments.js';
import { csvReader } from './csv-ticks.js';
import { MT5_HEADER, mt5Reader } from './mt5-export.js';
import { ndjsonReader } from './ndjson-ticks.js';
import type { Progress } from './progress.js';
import type { ToUtc } from './server-offset.js';
import { textLines } from './text-lines.js';

/**
 * `marketgraph import`: tick files streamed through the bridge client. Safe to interrupt and
 * run again: a file is read the same way each time, so a tick sent twice is byte for byte the
 * same tick, which the gateway counts as a duplicate instead of storing it again.
 */
export interface ImportOptions {
  files: string[];
  url: string;
  apiKey: string | null;
  /** The symbol of every tick without one; by default taken from each file's name. */
  symbol: string | null;
  /** From --server-offset: a fresh converter per file (it follows the file's order). */
  serverOffset: (() => ToUtc) | null;
  createInstruments: boolean;
  skipBadLines: boolean;
  batchSize: number;
  maxInFlight: number;
  progress: Progress;
  /** A line for stderr. */
  log(line: string): void;
}

export interface ImportResult {
  report: BridgeReport;
  lines: number;
  badLines: number;
  seconds: number;
}

/** Stops the import: a malformed line (without --skip-bad-lines), a file that is no tick file. */
export class ImportFailed extends Error {}

// Messages shown one by one, at most; the rest are counted in the summary.
const SHOWN = 10;

export async function runImport(o: ImportOptions): Promise<ImportResult> {
  const started = performance.now();
  let lines = 0;
  let badLines = 0;
  let rejectionsShown = 0;
  const fileNames: string[] = [];
  const client = createBridgeClient({
    url: o.url,
    apiKey: o.apiKey,
    batchSize: o.batchSize,
    maxInFlight: o.maxInFlight,
    // Room for the batches in flight and as many again being read, so reading never waits on an answer.
    bufferTicks: o.batchSize * o.maxInFlight * 2,
    onRetry: (e) => o.log(`import: ${e.reason}: re-sending ${e.ticks.toLocaleString('en-US')} ticks in ${(e.waitMs / 1000).toFixed(1)} s${e.attempt > 1 ? ` (attempt ${e.attempt})` : ''}`),
    onRejected(tick, reason, ref) {
      if (rejectionsShown++ < SHOWN) o.log(`import: ${where(fileNames, ref)}: rejected by the gateway: ${reason}`);
      if (rejectionsShown === 1 && reason.startsWith('unknown symbol')) o.log(`import: give --symbol, or --create-instruments (with an admin key), for "${tick.symbol}"`);
    },
  });
  const createInstrument = o.createInstruments ? instrumentMaker(gqlClient(o.url, o.apiKey), o.log) : null;

  try {
    for (const [index, file] of o.files.entries()) {
      fileNames.push(file);
      const input = await textLines(file);
      const label = basename(file);
      let reader: { line(text: string): TickInput | null } | null = null;
      let lineNo = 0;
      for await (const text of input) {
        lineNo++;
        lines++;
        let tick: TickInput | null;
        try {
          if (!reader) {
            if (text.trim() === '') continue;
            reader = readerFor(text, file, o);
            if (!text.trimStart().startsWith('{')) continue; // a header line, not a tick
          }
          tick = reader.line(text);
        } catch (error) {
          if (!(error instanceof BadLine)) throw error;
          const message = `${file}:${lineNo}: ${error.message}`;
          if (!o.skipBadLines || !reader) throw new ImportFailed(`${message}${reader ? ' (--skip-bad-lines to go on and count them)' : ''}`);
          if (badLines++ < SHOWN) o.log(`import: skipped ${message}`);
          continue;
        }
        if (!tick) continue;
        if (createInstrument) await createInstrument(tick.symbol, String(tick.bid));
        const full = client.add(tick, index * 2 ** 32 + lineNo);
        if (full) await full;
        // Every 4,096 lines: a report is a few objects, too many to make per line.
        if ((lineNo & 4095) === 0) o.progress.update(label, input.bytesRead() / Math.max(1, input.size), client.report().sent);
      }
      if (!reader) throw new ImportFailed(`${file}: empty: no header and no ticks`);
    }
  } catch (error) {
    // What was read before the failure is still sent: nothing already read is lost, and a re-run
    // after fixing the file stores only what is new.
    await client.close().catch(() => undefined);
    o.progress.done();
    throw error instanceof BridgeStopped ? new ImportFailed(error.message) : error;
  }
  let report: BridgeReport;
  try {
    report = await client.close();
  } catch (error) {
    throw error instanceof BridgeStopped ? new ImportFailed(error.message) : error;
  } finally {
    o.progress.done();
  }
  return { report, lines, badLines, seconds: (performance.now() - started) / 1000 };
}

function readerFor(first: string, file: string, o: ImportOptions): { line(text: string): TickInput | null } {
  const symbol = o.symbol ?? symbolFromName(file);
  if (MT5_HEADER.test(first)) {
    if (!o.serverOffset) throw new ImportFailed(`${file}: an MT5 export is in the broker's server time: give --server-offset (hours such as 2, or a zone such as Europe/Athens or America/New_York+7; 0 for a UTC server)`);
    return mt5Reader(first, symbol, o.serverOffset());
  }
  const toUtc = o.serverOffset ? o.serverOffset() : null;
  if (first.trimStart().startsWith('{')) return ndjsonReader(o.symbol, toUtc);
  return csvReader(first, o.symbol, toUtc);
}

/** "EURUSD_202611270000_202611272359.csv" (MT5's export name) is EURUSD; "ticks.csv" is ticks. */
export function symbolFromName(file: string): string {
  return basename(file).replace(/\.[^.]*$/, '').split('_')[0]!;
}

function where(files: string[], ref: number | undefined): string {
  if (ref === undefined) return '?';
  return `${files[Math.floor(ref / 2 ** 32)] ?? '?'}:${ref % 2 ** 32}`;
}
