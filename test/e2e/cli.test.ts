import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/marketgraph.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs `marketgraph …` on embedded engines in a data directory of its own. */
function marketgraph(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    // Only what the command needs: the test runner's own server URLs must not leak in.
    const base = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    execFile(process.execPath, [bin, ...args], { env: { ...base, ...env }, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('marketgraph command line', () => {
  it('lists its commands with --help and exits 0', async () => {
    const { code, stdout } = await marketgraph(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'migrate', 'seed', 'check']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('explains every command with --help', async () => {
    for (const command of ['serve', 'migrate', 'seed', 'check']) {
      const { code, stdout } = await marketgraph([command, '--help']);
      expect(code, command).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: marketgraph ${command}`, 'm'));
    }
  });

  it('refuses an unknown command, an unknown flag and a bad setting with a message and exit 2', async () => {
    const unknownCommand = await marketgraph(['serv']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command "serv"/);
    const unknownFlag = await marketgraph(['check', '--verbose']);
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toMatch(/Unknown option '--verbose'/);
    const badSetting = await marketgraph(['check'], { PORT: 'abc' });
    expect(badSetting.code).toBe(2);
    expect(badSetting.stderr).toMatch(/PORT/);
    for (const run of [unknownCommand, unknownFlag, badSetting]) noStackTrace(run.stderr);
  });

  it('checks every configured store, one line each', async () => {
    const { code, stdout } = await marketgraph(['check']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 6).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      'relational up', 'ticks up', 'cache up', 'stream up', 'graph up', 'vector up',
    ]);
    // Then what the embedded tick store's inserts will cost in the data directory.
    expect(lines.slice(6)).toHaveLength(1);
    expect(lines[6]).toMatch(new RegExp(`^data dir\\s+\\d+\\.\\d\\d ms  to write one part's files \\(ten; each tick insert writes one\\) in ${join(dataDir, 'chdb')}`));
  });

  it('says so, in one line and without a stack trace, when it cannot write in the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marketgraph-cli-nodir-'));
    try {
      writeFileSync(join(dir, 'chdb'), 'a file where the tick store wants its directory');
      const { code, stdout } = await marketgraph(['check'], { DATA_DIR: dir });
      expect(code).toBe(1);
      expect(stdout).toMatch(/^ticks\s+down\s+/m);
      expect(stdout).toMatch(new RegExp(`^data dir\\s+could not write in ${join(dir, 'chdb')}: ENOTDIR`, 'm'));
      noStackTrace(stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('measures the data directory only where the embedded tick store writes', async () => {
    const { stdout } = await marketgraph(['check'], { CLICKHOUSE_URL: 'http://127.0.0.1:9', STORE_TIMEOUT_MS: '500' });
    expect(stdout).toMatch(/^ticks\s+down\s+/m);
    expect(stdout).not.toMatch(/^data dir/m);
  });

  it('reports a store that does not answer and exits 1', async () => {
    const { code, stdout } = await marketgraph(['check'], { REDIS_URL: 'redis://127.0.0.1:9', STORE_TIMEOUT_MS: '500' });
    expect(code).toBe(1);
    expect(stdout).toMatch(/^cache\s+down\s+redis 127\.0\.0\.1:9/m);
  });

  // Seven runs of the command, each opening PGlite (several seconds on a busy machine).
  it('shows, applies and rolls back migrations store by store, refusing data loss unless allowed', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marketgraph-cli-migrate-'));
    const env = { DATA_DIR: dir };
    try {
      const pending = await marketgraph(['migrate', 'status'], env);
      expect(pending.stdout).toMatch(/^relational\s+0001 initial\s+pending/m);
      const up = await marketgraph(['migrate', 'up'], env);
      expect(up.code).toBe(0);
      expect(up.stderr).toMatch(/applying ticks 1 initial … done/);
      expect((await marketgraph(['migrate', 'status'], env)).stdout).not.toMatch(/pending/);
      const refused = await marketgraph(['migrate', 'down', '--store', 'graph', '--to', '0'], env);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/--allow-data-loss/);
      const down = await marketgraph(['migrate', 'down', '--store', 'graph', '--to', '0', '--allow-data-loss'], env);
      expect(down.code).toBe(0);
      const after = (await marketgraph(['migrate', 'status'], env)).stdout;
      expect(after).toMatch(/^graph\s+0001 initial\s+pending/m);
      expect(after).toMatch(/^relational\s+0001 initial\s+applied/m);
      const missingTo = await marketgraph(['migrate', 'down'], env);
      expect(missingTo.code).toBe(2);
      expect(missingTo.stderr).toMatch(/needs --to/);
      noStackTrace(missingTo.stderr + refused.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('seeds demo data with progress, once', async () => {
    const first = await marketgraph(['seed']);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/ticks 15\/15: ETHUSD/);
    const again = await marketgraph(['seed']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/nothing seeded/);
  });
});
