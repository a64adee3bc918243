import { describeReport } from '../bridge/report.js';
import { createProgress } from '../import/progress.js';
import { ImportFailed, runImport } from '../import/run-import.js';
import { OffsetError, parseServerOffset } from '../import/server-offset.js';
import { UsageError, type Command } from './args.js';

const DEFAULT_URL = 'http://127.0.0.1:4000/graphql';
const DEFAULT_BATCH = 10_000; // ticks per insertTicks call: large batches are what a history load wants
const MAX_BATCH = 100_000; // MAX_TICKS_PER_INSERT's default
// Batches in flight: 4, as many as the ingest bench's clients (bench/import.ts). On a loaded machine 2
// reached 0.75x of that bench's rate in the same run and 4 reached 1.03x; on a less loaded one both 0.97x.
const DEFAULT_IN_FLIGHT = 4;
const MAX_IN_FLIGHT = 16;

export const importCommand: Command = {
  name: 'import',
  summary: 'load tick history from MT5 tick exports, CSV or NDJSON files into a running gateway',
  usage:
    'marketgraph import <file>... [--symbol S] [--server-offset HOURS|ZONE] [--create-instruments] [--skip-bad-lines] [--url URL] [--api-key KEY] [--batch-size N] [--in-flight N]',
  options: {
    symbol: { type: 'string' },
    'server-offset': { type: 'string' },
    'create-instruments': { type: 'boolean' },
    'skip-bad-lines': { type: 'boolean' },
    url: { type: 'string' },
    'api-key': { type: 'string' },
    'batch-size': { type: 'string' },
    'in-flight': { type: 'string' },
  },
  async run(values, files) {
    if (files.length === 0) throw new UsageError('name at least one file to import');
    const url = typeof values.url === 'string' ? values.url : DEFAULT_URL;
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) throw new UsageError(`--url must be an http(s) URL; got "${url}"`);
    let serverOffset = null;
    try {
      serverOffset = typeof values['server-offset'] === 'string' ? parseServerOffset(values['server-offset']) : null;
    } catch (error) {
      if (error instanceof OffsetError) throw new UsageError(error.message);
      throw error;
    }
    const symbol = typeof values.symbol === 'string' ? values.symbol.trim() : null;
    if (symbol === '') throw new UsageError('--symbol must not be empty');
    try {
      const result = await runImport({
        files,
        url,
        apiKey: typeof values['api-key'] === 'string' ? values['api-key'] : null,
        symbol,
        serverOffset,
        createInstruments: values['create-instruments'] === true,
        skipBadLines: values['skip-bad-lines'] === true,
        batchSize: count(values, 'batch-size', DEFAULT_BATCH, MAX_BATCH),
        maxInFlight: count(values, 'in-flight', DEFAULT_IN_FLIGHT, MAX_IN_FLIGHT),
        progress: createProgress(process.stderr),
        log: (line) => process.stderr.write(`${line}\n`),
      });
      const { report, lines, badLines, seconds } = result;
      const rate = Math.round(report.sent / seconds).toLocaleString('en-US');
      const skipped = badLines > 0 ? `; ${badLines.toLocaleString('en-US')} bad lines skipped` : '';
      console.log(`import: ${lines.toLocaleString('en-US')} lines in ${seconds.toFixed(1)} s (${rate} ticks/s); ${describeReport(report)}${skipped}`);
      return report.rejected > 0 ? 1 : 0;
    } catch (error) {
      if (error instanceof ImportFailed) {
        console.error(`marketgraph import: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
};

function count(values: Record<string, string | boolean | undefined>, name: string, fallback: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}; got "${raw}"`);
  return n;
}
