import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertBody } from '../src/bridge/insert-body.js';
import { runImport } from '../src/import/run-import.js';
import { parseServerOffset } from '../src/import/server-offset.js';
import type { TickInput } from '../src/stores/ticks/tick-store.js';
// The gateway under test runs in a process of its own: the load generator must not share its event loop.
import { spawnGateway } from '../test/helpers/process-gateway.js';
import { writeBigMt5 } from '../test/bridge/mt5-files.js';
import { dataOf, gatewayEnv, graphqlClient, scaled } from './harness.js';
import { printTable, progress, writeResults, type Row } from './report.js';

/**
 * Issue 16: `marketgraph import` of a local MT5 tick export against what the ingest scenario
 * measures for the same batch size in the same run (bench/ingest.ts: 4 clients, each sending
 * its own symbols in time order, bodies built before the clock starts). The import reads and
 * parses the file, builds its bodies and sends them through the bridge client, all in this
 * process, while the gateway stores them in its own. Target: at least 0.8x the baseline.
 */
const BATCH = 10_000; // import's default batch size
const TICKS = scaled(600_000);
const CLIENTS = 4;
const IN_FLIGHT = [4, 2]; // import's default (as many as the baseline's clients), and half that

const SYMBOLS = ['IMPA', 'IMPB', 'IMPC', 'IMPD', 'IMP2', 'IMP4'];
const upsert = `mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`;

/** The ingest scenario's measure: CLIENTS clients, prebuilt BATCH-tick bodies, each client its own symbol. */
async function ingestBaseline(url: string, from: number): Promise<number> {
  const perClient = Math.max(1, Math.round(TICKS / BATCH / CLIENTS));
  let time = from;
  const bodies = Array.from({ length: CLIENTS }, (_, c) =>
    Array.from({ length: perClient }, () =>
      insertBody(Array.from({ length: BATCH }, (_, i): TickInput => ({ symbol: SYMBOLS[c]!, time: time++, bid: 1.1 + (i % 1000) / 100_000, ask: 1.1002 + (i % 1000) / 100_000, last: null, volume: null, flags: 6 }))),
    ),
  );
  const client = graphqlClient(url, CLIENTS);
  const started = performance.now();
  let accepted = 0;
  try {
    await Promise.all(bodies.map(async (mine) => {
      for (const body of mine) {
        const res = await client.post(body); // awaited first: `accepted +=` must read the total after it
        accepted += dataOf<{ insertTicks: { accepted: number } }>(res).insertTicks.accepted;
      }
    }));
  } finally {
    client.close();
  }
  if (accepted !== CLIENTS * perClient * BATCH) throw new Error(`accepted ${accepted} of ${CLIENTS * perClient * BATCH}`);
  return accepted / ((performance.now() - started) / 1000);
}

async function importRate(url: string, file: string, inFlight: number): Promise<number> {
  const { report, seconds } = await runImport({
    files: [file],
    url,
    apiKey: null,
    symbol: `IMP${inFlight}`,
    serverOffset: parseServerOffset('0'),
    createInstruments: false,
    skipBadLines: false,
    batchSize: BATCH,
    maxInFlight: inFlight,
    progress: { update() {}, done() {} },
    log: progress,
  });
  if (report.accepted !== TICKS) throw new Error(`import accepted ${report.accepted} of ${TICKS}`);
  return report.sent / seconds;
}

export async function benchImport(): Promise<Row[]> {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-import-'));
  const file = join(dir, 'history.csv');
  progress(`import: writing a ${TICKS.toLocaleString('en-US')}-line MT5 export`);
  await writeBigMt5(file, TICKS, Date.UTC(2026, 3, 1));
  const gateway = await spawnGateway(gatewayEnv({ SLOW_STORE_OP_MS: '60000' }));
  const rows: Row[] = [];
  try {
    await gateway.gql(upsert, { i: SYMBOLS.map((symbol) => ({ symbol, assetClass: 'FX', baseCurrency: symbol, quoteCurrency: 'USD', digits: 5 })) });
    progress(`import: the ingest baseline, ${CLIENTS} clients, batches of ${BATCH.toLocaleString('en-US')}`);
    const baseline = await ingestBaseline(gateway.url, Date.UTC(2026, 2, 1));
    for (const inFlight of IN_FLIGHT) {
      progress(`import: the file, ${inFlight} batches in flight`);
      const figure = await importRate(gateway.url, file, inFlight);
      rows.push({
        scenario: `import of an MT5 export, ${BATCH.toLocaleString('en-US')}-tick batches, ${inFlight} in flight${inFlight === 4 ? ' (default)' : ''}`,
        figure,
        unit: 'ticks/s',
        baseline,
        baselineName: `ingest, ${CLIENTS} clients, prebuilt bodies`,
        ratio: figure / baseline,
        target: '>= 0.8x the ingest baseline',
        pass: figure / baseline >= 0.8,
      });
    }
  } catch (error) {
    progress(`import: the gateway's last log lines:\n${gateway.logs.slice(-15).join('\n')}`);
    throw error;
  } finally {
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchImport();
  writeResults('import', rows);
  printTable(rows);
}
