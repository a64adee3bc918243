import { spawnGateway, type GatewayProcess } from '../test/helpers/process-gateway.js';
import { gatewayEnv, graphqlClient, dataOf, scaled, settle, sleep, summarize } from './harness.js';
import { threadCpuMs } from './ingest-baselines.js';
import { body, tickAt, upsertInstruments } from './ingest-load.js';
import { progress, type Row } from './report.js';

/**
 * Many terminals sending small batches, as the bridge's Expert Advisor does: each client sends
 * the ticks of its 100 ms (`FlushIntervalMs`) and waits for the answer before the next, one
 * symbol each. What it costs the gateway with the defaults (the group commit waits up to
 * INGEST_GROUP_WAIT_MS=5 for the terminals an insert answered), and with inserts at least
 * PACED_MS apart (INGEST_MIN_INSERT_INTERVAL_MS), each against the same load on a gateway that
 * never waits (both 0) in the same run: the engine's CPU, the gateway's JavaScript CPU, how long
 * answers take.
 */
const TERMINALS = 20;
const TICKS_PER_BATCH = 50;
const PERIOD_MS = 100;
const SECONDS = scaled(15, 3);
const PACED_MS = 20;
const NO_WAIT = { INGEST_GROUP_WAIT_MS: '0', INGEST_MIN_INSERT_INTERVAL_MS: '0' };

interface Measured {
  ticksPerS: number;
  /** Share of one core over the load. */
  engine: number;
  engineKernel: number;
  js: number;
  p50Ms: number;
  p99Ms: number;
}

async function terminals(gateway: GatewayProcess, prefix: string): Promise<Measured> {
  const symbols = Array.from({ length: TERMINALS }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  await upsertInstruments(gateway, symbols);
  await settle([gateway.child.pid!, process.pid], 'bridges');
  // A connection per terminal, as each terminal has its own. (One pool for all reused a few of its
  // sockets and left the others idle past the gateway's keep-alive timeout: once in five runs, a
  // request went out on one as the gateway closed it, ECONNRESET.)
  const clients = symbols.map(() => graphqlClient(gateway.url, 1));
  const answered: number[] = [];
  let clock = Date.now() - 3_600_000;
  let accepted = 0;
  const cpuBefore = threadCpuMs(gateway.child.pid!);
  const started = performance.now();
  const stopAt = started + SECONDS * 1000;
  try {
    await Promise.all(
      symbols.map(async (symbol, t) => {
        await sleep((PERIOD_MS * t) / TERMINALS); // the terminals' timers are not in step
        let due = performance.now();
        while (due < stopAt) {
          const ticks = Array.from({ length: TICKS_PER_BATCH }, (_, i) => tickAt(symbol, clock++, i));
          const sent = performance.now();
          const res = await clients[t]!.post(body(ticks)); // not inside `accepted += …`: that reads it before the await
          answered.push(performance.now() - sent);
          accepted += dataOf<{ insertTicks: { accepted: number } }>(res).insertTicks.accepted;
          due += PERIOD_MS;
          await sleep(Math.max(0, due - performance.now()));
        }
      }),
    );
  } finally {
    for (const client of clients) client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = threadCpuMs(gateway.child.pid!);
  const share = (ms: number) => ms / 1000 / seconds;
  const latency = summarize(answered);
  return {
    ticksPerS: accepted / seconds,
    engine: share(cpuAfter.engine - cpuBefore.engine),
    engineKernel: share(cpuAfter.engineKernel - cpuBefore.engineKernel),
    js: share(cpuAfter.js - cpuBefore.js),
    p50Ms: latency.p50,
    p99Ms: latency.p99,
  };
}

async function withGateway(settings: Record<string, string>, prefix: string): Promise<Measured> {
  const env = gatewayEnv(settings);
  const gateway = await spawnGateway(env, 60_000);
  try {
    return await terminals(gateway, prefix);
  } catch (error) {
    progress(`bridges: the gateway (exit code ${gateway.child.exitCode}) last logged:\n${gateway.logs.slice(-15).join('\n')}`);
    throw error;
  } finally {
    await gateway.stop();
  }
}

export async function benchBridges(): Promise<Row[]> {
  const label = `${TERMINALS} terminals, ${TICKS_PER_BATCH} ticks every ${PERIOD_MS} ms each, each waiting for its answer`;
  progress(`bridges: ${label}, no wait (INGEST_GROUP_WAIT_MS=0, INGEST_MIN_INSERT_INTERVAL_MS=0)`);
  const none = await withGateway(NO_WAIT, 'BRN');
  progress('bridges: the same, the defaults');
  const defaults = await withGateway({}, 'BRD');
  progress(`bridges: the same, INGEST_MIN_INSERT_INTERVAL_MS=${PACED_MS}`);
  const paced = await withGateway({ INGEST_MIN_INSERT_INTERVAL_MS: String(PACED_MS) }, 'BRP');
  return [
    ...against(none, defaults, `bridges: ${label}, the defaults (a group waits up to 5 ms for the terminals an insert answered)`),
    ...against(none, paced, `bridges: the same, inserts at least ${PACED_MS} ms apart`),
  ];
}

/** `run`'s figures against the same load on a gateway that never waits, same run. */
function against(none: Measured, run: Measured, scenario: string): Row[] {
  const baselineName = 'the same load, no wait (INGEST_GROUP_WAIT_MS=0), same run';
  const pct = (share: number) => share * 100;
  const row = (scenario: string, figure: number, baseline: number, unit: string, target = 'report'): Row => ({
    scenario,
    figure,
    unit,
    baseline,
    baselineName,
    ratio: figure / baseline,
    target,
    pass: null,
  });
  return [
    row(`${scenario}: ticks/s stored`, run.ticksPerS, none.ticksPerS, 'ticks/s', 'report (the load is fixed: below 1x, terminals fell behind)'),
    row(`  the engine's CPU (in the kernel: ${pct(run.engineKernel).toFixed(1)}% against ${pct(none.engineKernel).toFixed(1)}%)`, pct(run.engine), pct(none.engine), '% of a core'),
    row(`  the gateway's JavaScript CPU`, pct(run.js), pct(none.js), '% of a core'),
    row(`  answered in, p50 (p99: ${run.p99Ms.toFixed(1)} ms against ${none.p99Ms.toFixed(1)} ms)`, run.p50Ms, none.p50Ms, 'ms'),
  ];
}
