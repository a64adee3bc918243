import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { progress } from './report.js';

/**
 * `--profile` (BENCH_PROFILE=1): the gateway runs with V8's CPU profiler (`--cpu-prof`) and,
 * after the scenario, the functions with the most self time in its main thread are written to
 * bench/results/<scenario>.profile.txt. Any scenario can use it: spawn the gateway with
 * `nodeArgs`, call `summarize()` once it has exited (the profile is written at exit).
 */
export interface Profiling {
  /** Node options for the gateway's process; empty when not profiling. */
  nodeArgs: string[];
  /** Writes the summary, when profiling; the gateway must have exited. */
  summarize(): void;
}

const TOP = 25;

export const profilingWanted = () => process.env.BENCH_PROFILE === '1';

export function profiling(scenario: string): Profiling {
  if (!profilingWanted()) return { nodeArgs: [], summarize: () => {} };
  const dir = mkdtempSync(join(tmpdir(), `marketgraph-cpuprof-${scenario}-`));
  return {
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    summarize() {
      const file = mainThreadProfile(dir);
      if (!file) return progress(`${scenario}: no CPU profile in ${dir} (did the gateway exit cleanly?)`);
      const text = `CPU profile of the gateway during the ${scenario} scenario: ${file}\n\n${summarizeProfile(JSON.parse(readFileSync(file, 'utf8')))}`;
      mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
      const suffix = process.env.BENCH_SERVERS ? '.servers' : '';
      writeFileSync(new URL(`./results/${scenario}${suffix}.profile.txt`, import.meta.url), text);
      progress(`${scenario}: profile summary in bench/results/${scenario}${suffix}.profile.txt`);
    },
  };
}

/**
 * The main thread's profile: the largest file. tsx's loader hooks run on a thread of their own
 * and write a (small) profile too; with several gateway starts, the busiest one wins.
 */
function mainThreadProfile(dir: string): string | undefined {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[]; // microseconds, each sample's time minus the previous one's
}

/**
 * Self time per function (name and location), largest first. A sample lasts until the next
 * one (the last until endTime), as Chrome's DevTools count it.
 */
export function summarizeProfile(profile: CpuProfile, top = TOP): string {
  const frameOf = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<string, number>();
  let time = profile.startTime;
  const times = profile.timeDeltas.map((d) => (time += d));
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const us = (times[i + 1] ?? profile.endTime) - times[i]!;
    const frame = frameOf.get(id)!;
    total += us;
    if (frame.functionName === '(idle)') return void (idle += us);
    // Line and column (1-based) of the code V8 ran: for TypeScript, tsx's output, not the source.
    const where = frame.url ? ` ${frame.url.replace(/^file:\/\//, '')}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : '';
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + us);
  });
  const busy = total - idle;
  const ms = (us: number) => (us / 1000).toFixed(1).padStart(9);
  const lines = [...selfUs]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${ms(us)} ms ${((100 * us) / busy).toFixed(1).padStart(5)}%  ${key}`);
  return [
    `sampled ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms, busy ${(busy / 1000).toFixed(0)} ms`,
    `top ${top} functions by self time (% of busy time):`,
    ...lines,
    '',
  ].join('\n');
}
