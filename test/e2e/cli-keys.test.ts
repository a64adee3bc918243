import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnGateway } from '../helpers/process-gateway.js';

const bin = fileURLToPath(new URL('../../bin/marketgraph.mjs', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-cli-keys-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Runs `marketgraph …` on embedded engines in a data directory of its own. */
function marketgraph(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    execFile(process.execPath, [bin, ...args], { env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const noStackTrace = (text: string) => expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('marketgraph keys', () => {
  let id = '';
  let key = '';

  it('creates a key with its roles and prints it once, alone on stdout', async () => {
    const created = await marketgraph(['keys', 'create', '--role', 'ingest', '--role', 'read', '--name', 'bridge-1']);
    expect(created.code).toBe(0);
    key = created.stdout.trim();
    expect(key).toMatch(/^mg_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    id = key.slice(3, 19);
    expect(created.stderr).toMatch(new RegExp(`Created key ${id} "bridge-1" with roles ingest, read`));
  });

  it('lists keys with id, state, roles and name, never the key', async () => {
    const listed = await marketgraph(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+active\\s+\\S+\\s+ingest,read\\s+bridge-1$`, 'm'));
    expect(listed.stdout).not.toContain(key.slice(20));
  });

  it('makes a key a gateway on the same data accepts for its roles', async () => {
    const gateway = await spawnGateway({ DATA_DIR: dataDir, AUTH: 'required', POSTGRES_URL: '', CLICKHOUSE_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', WEAVIATE_URL: '', ARANGO_URL: '' });
    try {
      const query = (headers: Record<string, string>) =>
        fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ instruments { edges { cursor } } }' }) });
      expect((await query({ authorization: `Bearer ${key}` })).status).toBe(200);
      expect((await query({})).status).toBe(401);
    } finally {
      await gateway.stop();
    }
  });

  it('revokes a key once; list shows it revoked', async () => {
    const revoked = await marketgraph(['keys', 'revoke', id]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`Revoked key ${id}\\. Running gateways refuse it within 30 s`));
    expect((await marketgraph(['keys', 'list'])).stdout).toMatch(new RegExp(`^${id}\\s+revoked \\S+Z`, 'm'));
    const again = await marketgraph(['keys', 'revoke', id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no active key/);
  });

  it('refuses a missing or unknown role, a missing name, a bad id and an unknown subcommand with exit 2', async () => {
    const runs = [
      [['keys', 'create', '--name', 'x'], /at least one --role/],
      [['keys', 'create', '--role', 'root', '--name', 'x'], /--role must be one of read, ingest, admin; got "root"/],
      [['keys', 'create', '--role', 'read'], /needs --name/],
      [['keys', 'revoke', 'mg_123'], /16 hex digits/],
      [['keys', 'rotate'], /expected one of create, list, revoke; got rotate/],
    ] as const;
    for (const [args, message] of runs) {
      const run = await marketgraph([...args]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toMatch(message);
      noStackTrace(run.stderr);
    }
  });
});
