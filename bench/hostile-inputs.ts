import { spawnGateway, type GatewayProcess } from '../test/helpers/process-gateway.js';
import { HOSTILE_INPUTS, seedHostileTarget, type HostileInput } from '../test/hostile/inputs.js';
import { EMBEDDED, post, rssBytes, subscribeOnce, type HostileAnswer } from '../test/hostile/probe.js';

/**
 * What each hostile argument of issue 13 does to a gateway, for the before/after figures:
 * the answer, its time, and the peak RSS growth of the gateway process while it was handled.
 * `npx tsx bench/hostile-inputs.ts` (on c7dd339 too: the inputs live in test/hostile/inputs.ts);
 * HOSTILE_ONLY=<regexp> picks inputs by name, HOSTILE_TIMEOUT_MS sets the wait (60 s).
 * One gateway serves the inputs in turn; one that dies or is still busy after TIMEOUT_MS is
 * killed and replaced before the next input.
 */
const TIMEOUT_MS = Number(process.env.HOSTILE_TIMEOUT_MS ?? 60_000);
// Only the inputs whose name matches this regular expression, when set.
const ONLY = process.env.HOSTILE_ONLY ? new RegExp(process.env.HOSTILE_ONLY) : undefined;
const RSS_SAMPLE_MS = 100;
// An accepted subscription is watched this long (its replay's cost shows within it), then closed.
const SUBSCRIPTION_WATCH_MS = Math.min(TIMEOUT_MS, 15_000);
const MB = 1024 * 1024;

interface Row {
  name: string;
  answer: string;
  ms: number;
  rssGrowthMb: number;
}

async function freshGateway(): Promise<GatewayProcess> {
  const gateway = await spawnGateway(EMBEDDED, 300_000); // a busy machine starts slowly
  await seedHostileTarget(gateway);
  return gateway;
}

function send(gateway: GatewayProcess, input: HostileInput): Promise<HostileAnswer & { pending?: true }> {
  const request = { query: input.query, variables: input.variables };
  if (input.transport === 'ws') return subscribeOnce(gateway, request, SUBSCRIPTION_WATCH_MS);
  return post(gateway.url, JSON.stringify(request), {});
}

function describeAnswer(answer: HostileAnswer & { pending?: true }): string {
  if (answer.pending) return `subscription running, ${answer.body?.data ? 'ticks delivered' : 'nothing delivered'}`;
  if (answer.code) return `${answer.status || 'ws'} ${answer.code}`;
  const data = JSON.stringify(answer.body?.data ?? answer.body).slice(0, 60);
  return `${answer.status || 'ws'} data ${data}`;
}

async function measure(gateway: GatewayProcess, input: HostileInput): Promise<{ row: Row; usable: boolean }> {
  const pid = gateway.child.pid!;
  const before = rssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, rssBytes(pid));
    } catch {
      // the process is gone
    }
  }, RSS_SAMPLE_MS);
  const started = performance.now();
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(resolve, TIMEOUT_MS, 'timeout').unref());
  const died = gateway.exited.then((code) => `process died (exit ${code})` as const);
  let answer: string;
  try {
    const outcome = await Promise.race([send(gateway, input), timeout, died]);
    answer = typeof outcome === 'string' ? (outcome === 'timeout' ? `no answer in ${TIMEOUT_MS / 1000} s` : outcome) : describeAnswer(outcome);
  } catch (error) {
    answer = gateway.child.exitCode !== null || gateway.child.signalCode !== null ? `process died (${await died})` : `request failed: ${String(error).slice(0, 80)}`;
  } finally {
    clearInterval(sampler);
  }
  const ms = performance.now() - started;
  const alive = gateway.child.exitCode === null && gateway.child.signalCode === null;
  return { row: { name: input.name, answer, ms, rssGrowthMb: (peak - before) / MB }, usable: alive && !answer.startsWith('no answer') && !answer.startsWith('subscription running') };
}

async function main() {
  let gateway: GatewayProcess | undefined;
  const rows: Row[] = [];
  try {
    for (const input of HOSTILE_INPUTS.filter((i) => !ONLY || ONLY.test(i.name))) {
      gateway ??= await freshGateway();
      const { row, usable } = await measure(gateway, input);
      rows.push(row);
      console.error(`${row.name}: ${row.answer}, ${row.ms.toFixed(0)} ms, RSS +${row.rssGrowthMb.toFixed(1)} MB`);
      if (!usable) {
        await gateway.kill();
        gateway = undefined;
      }
    }
  } finally {
    await gateway?.stop();
  }
  console.log('| hostile input | answer | time | peak RSS growth |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.name} | ${r.answer.replaceAll('|', '\\|')} | ${r.ms < 1000 ? `${r.ms.toFixed(0)} ms` : `${(r.ms / 1000).toFixed(1)} s`} | ${r.rssGrowthMb.toFixed(1)} MB |`);
}

await main();
