import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** One statement as the fixture received it: SQL text and the raw `param_<name>` values. */
export interface FixtureRequest {
  sql: string;
  params: Record<string, string>;
}

export interface ClickHouseFixture {
  url: string;
  /** Every statement received so far, in order. */
  requests: readonly FixtureRequest[];
  /** The fixture's process: a test may freeze it (SIGSTOP) as a hung server. */
  pid: number;
  stop(): Promise<void>;
}

const fixturePath = fileURLToPath(new URL('../fixtures/clickhouse-http.ts', import.meta.url));

/**
 * Starts the ClickHouse HTTP test fixture (test/fixtures/clickhouse-http.ts) in a child process:
 * chDB binds one data directory per process, and the test process may already have one.
 * With `auth`, the fixture refuses requests that do not carry these credentials; with `tls`
 * (PEM files), it serves HTTPS.
 */
export async function startClickHouseFixture(auth?: { username: string; password: string }, tls?: { certFile: string; keyFile: string }): Promise<ClickHouseFixture> {
  const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-clickhouse-fixture-'));
  const child = spawn(process.execPath, ['--import', 'tsx', fixturePath, dataDir], {
    env: {
      ...process.env,
      CLICKHOUSE_FIXTURE_USER: auth?.username,
      CLICKHOUSE_FIXTURE_PASSWORD: auth?.password,
      CLICKHOUSE_FIXTURE_TLS_CERT: tls?.certFile,
      CLICKHOUSE_FIXTURE_TLS_KEY: tls?.keyFile,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const requests: FixtureRequest[] = [];

  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`ClickHouse fixture exited with code ${code} before listening`)));
    // Read stdout to the end, or the child blocks once the pipe buffer is full.
    createInterface({ input: child.stdout }).on('line', (line) => {
      const listening = /^LISTENING (\d+)$/.exec(line);
      if (listening) resolve(Number(listening[1]));
      else if (line.startsWith('{')) requests.push(JSON.parse(line) as FixtureRequest);
    });
  });

  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    pid: child.pid!,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
