import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const mainPath = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Log lines the gateway printed (JSON). */
  logs: string[];
  gql<T = any>(query: string, variables?: Record<string, unknown>): Promise<{ data?: T; errors?: any[]; status: number }>;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** SIGKILL: no shutdown code runs. */
  kill(): Promise<void>;
}

/**
 * A gateway as users run it: `src/main.ts` in its own process, configured by environment. Its
 * embedded data lives in a temporary directory removed when it exits, unless `DATA_DIR` is given.
 * `nodeArgs` go to node itself (the benchmarks' profiles use `--cpu-prof`); `entry` is another
 * checkout's src/main.ts (bench/tracing.ts runs the code before a change beside the code after it).
 */
export async function spawnGateway(env: Record<string, string>, timeoutMs = 60_000, nodeArgs: string[] = [], entry = mainPath): Promise<GatewayProcess> {
  return spawnGatewayCommand(process.execPath, [...nodeArgs, '--import', 'tsx', entry], env, { timeoutMs });
}

export interface CommandOptions {
  timeoutMs?: number;
  /** Working directory (default: this one). */
  cwd?: string;
  /** In a process group of its own, as a terminal starts a command: signal it with `process.kill(-child.pid)`. */
  detached?: boolean;
}

/**
 * A gateway started by any command (`npm start`, `bin/marketgraph.mjs serve`, the image's CMD),
 * otherwise as spawnGateway. An `undefined` in `env` removes that variable (NODE_ENV, which the
 * test runner sets to `test`, changes what Apollo does).
 */
export async function spawnGatewayCommand(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  { timeoutMs = 60_000, cwd, detached = false }: CommandOptions = {},
): Promise<GatewayProcess> {
  const ownDir = env.DATA_DIR === undefined;
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'marketgraph-proc-'));
  const merged: Record<string, string | undefined> = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, SEED_DEMO_DATA: 'false', LOG_LEVEL: 'info', ...env };
  for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
  const child = spawn(command, args, { env: merged, cwd, detached, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  if (ownDir) exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
  const url = await new Promise<string>((resolve, reject) => {
    // One that did not start in time is killed: left running, it outlived the test run.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gateway did not start:\n${logs.slice(-20).join('\n')}`));
    }, timeoutMs);
    child.once('exit', (code) => reject(new Error(`gateway exited with ${code}:\n${logs.slice(-20).join('\n')}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      if (!line.includes('marketgraph started')) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return {
    url,
    child,
    logs,
    exited,
    async gql(query, variables) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
      return { status: res.status, ...((await res.json()) as object) };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
    async kill() {
      // A detached command's group: `npm start` does not pass SIGKILL on to the gateway.
      if (child.exitCode === null) detached ? process.kill(-child.pid!, 'SIGKILL') : child.kill('SIGKILL');
      await exited;
    },
  };
}
