import { readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { Session } from 'chdb';

/**
 * What the scenarios share: the gateway's environment, sizes, a light HTTP client, /metrics
 * and latency statistics.
 */

// BENCH_SCALE shrinks every scenario's data and counts (0.1: a tenth), to debug on a busy machine.
// The figures issue 7 asks for are taken at 1.
export const SCALE = (() => {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  if (!(scale > 0 && scale <= 1)) throw new Error(`BENCH_SCALE must be in (0, 1]; got ${process.env.BENCH_SCALE}`);
  return scale;
})();

export const scaled = (n: number, min = 1) => Math.max(min, Math.round(n * SCALE));

const SERVER_URLS = ['POSTGRES_URL', 'REDIS_URL', 'KAFKA_BROKERS', 'CLICKHOUSE_URL', 'WEAVIATE_URL', 'ARANGO_URL'] as const;

/**
 * The gateway's environment: embedded engines (every server URL blanked), unless BENCH_SERVERS
 * is set, in which case the servers named in this environment are used as they are.
 */
export function gatewayEnv(extra: Record<string, string> = {}): Record<string, string> {
  // Servers are not migrated by a gateway unless told to; embedded engines always are. Each run
  // gets a Kafka topic and sink group of its own: a backlog left by an earlier run would be stored
  // during this one's measurement.
  const run = `bench-${process.pid}-${Date.now()}`;
  const stores = process.env.BENCH_SERVERS
    ? { MIGRATE_ON_START: 'true', KAFKA_TOPIC: `marketgraph.${run}`, KAFKA_SINK_GROUP: run }
    : Object.fromEntries(SERVER_URLS.map((name) => [name, '']));
  return { ...stores, ...extra };
}

/** A gateway on embedded engines only, whatever BENCH_SERVERS says: the baseline of a servers run. */
export function embeddedEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(SERVER_URLS.map((name) => [name, ''])), ...extra };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A TCP port on 127.0.0.1 that nothing listens on right now, for a server the bench starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface GraphqlResponse {
  status: number;
  /** The response body as received. */
  text: string;
  /** Request to end of response, ms (performance.now()). */
  ms: number;
}

/**
 * POSTs GraphQL requests over kept-alive connections with node:http: lighter than fetch
 * (undici), so a sub-millisecond answer is measured as the gateway's, not the client's.
 */
export function graphqlClient(url: string, maxSockets = 1) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  function post(body: string): Promise<GraphqlResponse> {
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), ms: performance.now() - started }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
  return {
    post,
    /** Posts and returns `data`; throws on errors, so a broken answer is never timed as a good one. */
    async data<T = any>(query: string, variables?: Record<string, unknown>): Promise<T> {
      const res = await post(JSON.stringify({ query, variables }));
      return dataOf<T>(res);
    },
    close: () => agent.destroy(),
  };
}

export function dataOf<T = any>(res: GraphqlResponse): T {
  const json = JSON.parse(res.text) as { data?: T; errors?: unknown };
  if (res.status !== 200 || json.errors || json.data == null) throw new Error(`GraphQL request failed (${res.status}): ${res.text.slice(0, 300)}`);
  return json.data;
}

/** The gateway's Prometheus text. */
export async function metricsText(graphqlUrl: string): Promise<string> {
  const res = await fetch(new URL('/metrics', graphqlUrl));
  return res.text();
}

/** A counter or gauge without labels (or the sum over its labels). */
export function metricValue(text: string, name: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Store calls so far, by `store.operation` (outcomes summed): the count of the store-operation
 * histogram, one per port call, which is one round trip to the store.
 */
export function storeCalls(text: string): Map<string, number> {
  const calls = new Map<string, number>();
  const pattern = /^marketgraph_store_operation_duration_seconds_count\{(.*)\} (\S+)$/;
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${labels.store}.${labels.operation}`;
    calls.set(key, (calls.get(key) ?? 0) + Number(match[2]));
  }
  return calls;
}

/** Seconds spent in store calls so far, by `store.operation` (outcomes summed): the histogram's sum. */
export function storeSeconds(text: string): Map<string, number> {
  const seconds = new Map<string, number>();
  const pattern = /^marketgraph_store_operation_duration_seconds_sum\{(.*)\} (\S+)$/;
  for (const line of text.split('\n')) {
    const match = pattern.exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${labels.store}.${labels.operation}`;
    seconds.set(key, (seconds.get(key) ?? 0) + Number(match[2]));
  }
  return seconds;
}

/** What grew between two storeCalls snapshots. */
export function callsBetween(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [key, n] of after) if (n > (before.get(key) ?? 0)) grown[key] = n - (before.get(key) ?? 0);
  return grown;
}

/** Resident memory of a process on this machine, bytes (Linux /proc). */
export function vmRssBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) * 1024;
}

/** CPU time a process has used so far, ms (Linux /proc: user + system, in clock ticks of 10 ms). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime and stime are fields 14 and 15 of stat
}

export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles of samples in ms. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return {
    n: sorted.length,
    p50: rank(50),
    p99: rank(99),
    mean: sorted.reduce((a, b) => a + b, 0) / sorted.length,
    min: sorted[0]!,
    max: sorted.at(-1)!,
  };
}

/** The middle value, or the mean of the middle two (summarize's p50 is the lower of them). */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const half = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(half)]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/**
 * Closes a chDB session of the bench's own and removes its directory. The table is dropped
 * first: chDB's background merges outlive `close()` and would write into the directory while
 * it is being removed (ENOTEMPTY).
 */
export async function discardChdb(session: Session, dir: string, table: string): Promise<void> {
  try {
    await session.queryAsync(`DROP TABLE IF EXISTS ${table} SYNC`);
  } finally {
    session.close();
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }
}

/** chDB in this process, in `dir`, with the ticks table exactly as the first migration creates it. */
export async function openTicksEngine(dir: string): Promise<Session> {
  const session = new Session(dir);
  const createTable = readFileSync(new URL('../migrations/ticks/0001_initial.clickhouse.up.sql', import.meta.url), 'utf8');
  const withoutComments = createTable.replace(/^--.*$/gm, '');
  for (const statement of withoutComments.split(';').map((s) => s.trim()).filter(Boolean)) await session.queryAsync(statement);
  return session;
}

/**
 * Waits until the given processes (the gateway and this one) use less than `maxShare` of a core
 * over a second: chDB merges the parts that loading the data made in background threads, and a
 * latency measured while they run is the merges' as much as the query's. Gives up after `limitMs`
 * and says so, since a machine that never settles is worth knowing about.
 */
export async function settle(pids: readonly number[], label: string, maxShare = 0.05, limitMs = 60_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const before = pids.map(cpuMsOf);
    await sleep(1_000);
    const busiest = Math.max(...pids.map((pid, i) => (cpuMsOf(pid) - before[i]!) / 1_000));
    if (busiest < maxShare) return;
    if (Date.now() > deadline) return void process.stderr.write(`[bench] ${label}: still ${(busiest * 100).toFixed(0)}% busy after ${limitMs / 1000} s; measuring anyway\n`);
  }
}

/** Rows of `symbols` in `table` of a chDB directory a gateway has stopped using (its DATA_DIR/chdb). */
export async function storedTicks(dir: string, table: string, symbols: readonly string[]): Promise<number> {
  const session = new Session(dir);
  try {
    const sql = `SELECT count() FROM ${table} WHERE symbol IN {symbols:Array(String)}`;
    return Number((await session.queryBindAsync(sql, { symbols }, { format: 'TabSeparated' })).text().trim());
  } finally {
    session.close();
  }
}
