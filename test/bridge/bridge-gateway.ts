import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { EMBEDDED } from '../hostile/probe.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

/**
 * What the bridge tests share: a gateway in its own process on embedded engines, in a data
 * directory and on a port that survive its restart, keys made with the CLI, and a count of
 * stored ticks that sees every tick (candles count them per day).
 */

export const bin = fileURLToPath(new URL('../../bin/marketgraph.mjs', import.meta.url));

/** Runs `marketgraph …` in its own process, as a user would; resolves with its exit code and output. */
export function marketgraph(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const base = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...EMBEDDED };
    execFile(process.execPath, [bin, ...args], { env: { ...base, ...env }, timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface Restartable {
  url: string;
  dataDir: string;
  current: GatewayProcess;
  /** SIGKILL, then a new process on the same data and port once `downMs` has passed. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function restartableGateway(env: Record<string, string>, givenDir?: string): Promise<Restartable> {
  const dataDir = givenDir ?? mkdtempSync(join(tmpdir(), 'marketgraph-bridge-'));
  const port = String(await freePort());
  // 2 minutes to start: seven engineers share this machine's two cores.
  const start = () => spawnGateway({ ...EMBEDDED, ...env, DATA_DIR: dataDir, PORT: port }, 120_000);
  const gateway: Restartable = {
    url: '',
    dataDir,
    current: await start(),
    async restart(downMs = 500) {
      await gateway.current.kill();
      await new Promise((r) => setTimeout(r, downMs));
      gateway.current = await start();
    },
    async stop() {
      await gateway.current.stop();
      if (!givenDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  gateway.url = gateway.current.url;
  return gateway;
}

/** POSTs a GraphQL request with a bearer key; throws on errors. */
export async function gql<T = any>(url: string, key: string | null, query: string, variables?: Record<string, unknown>): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors || !body.data) throw new Error(`HTTP ${res.status}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Ticks stored for `symbol`, counted by the tick store (daily candles' tick counts). */
export async function storedCount(url: string, key: string | null, symbol: string): Promise<number> {
  const data = await gql<{ candles: { ticks: number }[] }>(url, key, `query($s: String!) { candles(symbol: $s, interval: D1, limit: 10000) { ticks } }`, { s: symbol });
  return data.candles.reduce((sum, c) => sum + c.ticks, 0);
}

export const UPSERT = `mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`;
export const fx = (symbol: string, digits = 5) => ({ symbol, assetClass: 'FX', baseCurrency: symbol.slice(0, 3), quoteCurrency: symbol.slice(3, 6) || 'USD', digits });
