import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, gatewayEnv, median, sleep } from './harness.js';
import { profiling } from './profile.js';
import { printTable, progress, writeResults, type Row } from './report.js';

/**
 * Scenario 5 of issue 7: from spawning `node bin/marketgraph.mjs serve` (what `npm start` runs)
 * on a data directory seeded before, to the first answered query, polled every 20 ms. The
 * median of 3 starts. Baseline: `node -e ""`, Node starting and exiting with nothing to do.
 */
const STARTS = 3;
const POLL_MS = 20;
const TARGET_MS = 5_000;
const SEED_TIMEOUT_MS = 300_000; // the first start seeds a day of demo ticks
const START_TIMEOUT_MS = 60_000;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUERY = JSON.stringify({ query: '{ instruments(first: 1) { edges { node { symbol } } } }' });

/** True once the gateway answers the query with an instrument. */
async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUERY, signal: AbortSignal.timeout(5_000) });
    const json = (await res.json()) as { data?: { instruments: { edges: unknown[] } } };
    return res.status === 200 && (json.data?.instruments.edges.length ?? 0) > 0;
  } catch {
    return false; // not listening yet
  }
}

interface Start {
  /** Spawn to the first answer, ms. */
  answeredMs: number;
  /** Spawn to the gateway's "marketgraph started" log line (listening), ms. */
  listeningMs: number | null;
}

/** Spawns `marketgraph serve`, waits for the first answer, then stops it with SIGTERM. */
async function start(env: Record<string, string>, nodeArgs: string[], timeoutMs: number): Promise<Start> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/graphql`;
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, 'bin/marketgraph.mjs', 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const logs: string[] = [];
  let listeningMs: number | null = null;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (listeningMs === null && line.includes('marketgraph started')) listeningMs = performance.now() - started;
      logs.push(line);
      if (logs.length > 20) logs.shift();
    });
  }
  try {
    while (!(await answers(url))) {
      if (child.exitCode !== null) throw new Error(`marketgraph serve exited with ${child.exitCode}:\n${logs.join('\n')}`);
      if (performance.now() - started > timeoutMs) throw new Error(`no answer within ${timeoutMs} ms:\n${logs.join('\n')}`);
      await sleep(POLL_MS);
    }
    return { answeredMs: performance.now() - started, listeningMs };
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  }
}

/** `node -e ""`: spawn to exit, ms. */
async function nodeItself(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return performance.now() - started;
}

export async function benchColdStart(): Promise<Row[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-bench-cold-'));
  const profile = profiling('cold-start');
  const starts: Start[] = [];
  const node: number[] = [];
  try {
    // As `npm start` runs it: demo data seeded by the first start, before any timing.
    progress('cold start: first start, seeding the demo data');
    const seeding = await start(gatewayEnv({ DATA_DIR: dataDir, SEED_DEMO_DATA: 'true' }), [], SEED_TIMEOUT_MS);
    progress(`cold start: seeded in ${(seeding.answeredMs / 1000).toFixed(1)} s`);
    for (let i = 0; i < STARTS; i++) {
      starts.push(await start(gatewayEnv({ DATA_DIR: dataDir, SEED_DEMO_DATA: 'true' }), profile.nodeArgs, START_TIMEOUT_MS));
      node.push(await nodeItself());
      progress(`cold start ${i + 1}/${STARTS}: first answer after ${Math.round(starts.at(-1)!.answeredMs)} ms; node -e "": ${Math.round(node.at(-1)!)} ms`);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    profile.summarize();
  }
  const figure = median(starts.map((s) => s.answeredMs));
  const baseline = median(node);
  const rows: Row[] = [
    {
      scenario: `cold start to first answer, median of ${STARTS}`,
      figure,
      unit: 'ms',
      baseline,
      baselineName: 'node -e "" (spawn to exit)',
      ratio: figure / baseline,
      target: '< 5 s',
      pass: figure < TARGET_MS,
    },
  ];
  writeResults('cold-start', rows, { starts, node, pollMs: POLL_MS });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) printTable(await benchColdStart());
