import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument, tickSeries } from '../helpers/fixtures.js';
import { spawnGatewayCommand, type GatewayProcess } from '../helpers/process-gateway.js';

/**
 * Shutdown through the commands users type (issue 13): `npm start` and `marketgraph serve`,
 * each in a process group of its own as a terminal starts it, with the environment a user has
 * (no NODE_ENV: the test runner's `test` turned Apollo's own signal handler off, which hid
 * the bug). One signal must drain and exit 0, idle and with a 100,000-tick batch in flight.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
// Embedded engines only, whatever servers the test run has.
const env = { NODE_ENV: undefined, POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };

const COMMANDS = [
  { name: 'npm start', command: 'npm', args: ['start'] },
  { name: 'marketgraph serve', command: process.execPath, args: ['bin/marketgraph.mjs', 'serve'] },
];

/** How a user stops it: `kill <pid>` sends SIGTERM to the process; Ctrl-C sends SIGINT to the terminal's whole group. */
const SIGNALS = {
  'kill <pid>': (g: GatewayProcess) => g.child.kill('SIGTERM'),
  'Ctrl-C': (g: GatewayProcess) => process.kill(-g.child.pid!, 'SIGINT'),
};

const started: GatewayProcess[] = [];
async function start(command: string, args: string[]): Promise<GatewayProcess> {
  const gateway = await spawnGatewayCommand(command, args, env, { cwd: root, detached: true });
  started.push(gateway);
  return gateway;
}
// Whatever a test leaves in a group goes: on the old code, `npm start` exited on the signal
// and left the gateway running, orphaned.
afterEach(() => {
  for (const gateway of started.splice(0)) {
    try {
      process.kill(-gateway.child.pid!, 'SIGKILL');
    } catch {
      // the group is empty: everything exited
    }
  }
});

/** Waits for the exit; the process group is killed if it has not exited within 20 s (so a failing test leaves nothing behind). */
async function exitOf(gateway: GatewayProcess): Promise<{ code: number | null; ms: number }> {
  const since = Date.now();
  const timer = setTimeout(() => void gateway.kill(), 20_000);
  const code = await gateway.exited;
  clearTimeout(timer);
  return { code, ms: Date.now() - since };
}

/**
 * Waits until the gateway holds ticks of the batch it has not stored yet (its pending-ticks
 * gauge): the batch is accepted and in flight. A fixed delay was not enough on a busy machine,
 * where the signal could arrive before the request did.
 */
async function acceptedNotStored(gateway: GatewayProcess, inFlight: Promise<unknown>): Promise<void> {
  let settled = false;
  void inFlight.finally(() => (settled = true));
  const metrics = new URL('/metrics', gateway.url);
  for (const until = Date.now() + 30_000; Date.now() < until && !settled; ) {
    // A refused or reset poll (a busy machine) is retried like an answer without the ticks.
    const text = await fetch(metrics).then((res) => res.text(), () => '');
    if (/^marketgraph_ingest_pending_ticks\S* [1-9]/m.test(text)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(settled ? 'the batch was stored before it could be signalled' : 'the batch never reached the write path');
}

/** True once no process of the command's group is left (on the old code `npm start` left the gateway running). */
async function groupGone(gateway: GatewayProcess): Promise<boolean> {
  for (const until = Date.now() + 3_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    try {
      process.kill(-gateway.child.pid!, 0);
    } catch {
      return true;
    }
  }
  return false;
}

function expectDrained(gateway: GatewayProcess) {
  expect(gateway.logs.filter((l) => l.includes('"shutting down"'))).toHaveLength(1);
  expect(gateway.logs.some((l) => l.includes('"marketgraph stopped"'))).toBe(true);
  expect(gateway.logs.some((l) => l.includes('second signal'))).toBe(false);
}

describe.each(COMMANDS)('$name', ({ command, args }) => {
  it('drains and exits 0 on one SIGTERM (`kill <pid>`) while idle', async () => {
    const gateway = await start(command, args);
    SIGNALS['kill <pid>'](gateway);
    const { code, ms } = await exitOf(gateway);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000); // the bound for a clean exit
    expectDrained(gateway);
    expect(await groupGone(gateway)).toBe(true);
  });

  it('finishes a 100,000-tick batch in flight and exits 0 on Ctrl-C', async () => {
    const gateway = await start(command, args);
    await gateway.gql(UPSERT, { instruments: [instrument('EURUSD')] });
    const ticks = tickSeries('EURUSD', Date.now() - 86_400_000, 100_000, 100);
    const inFlight = gateway.gql(INSERT, { ticks });
    await acceptedNotStored(gateway, inFlight);
    SIGNALS['Ctrl-C'](gateway);
    const response = await inFlight;
    expect(response.data?.insertTicks, JSON.stringify(response).slice(0, 300)).toMatchObject({ accepted: 100_000, rejected: [] });
    const { code, ms } = await exitOf(gateway);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(10_000);
    expectDrained(gateway);
  });
});

describe('a signal delivered twice at once', () => {
  it('drains once and exits 0 (the terminal’s copy and npm’s forwarded one)', async () => {
    const gateway = await start(process.execPath, ['bin/marketgraph.mjs', 'serve']);
    gateway.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 5));
    gateway.child.kill('SIGINT');
    const { code } = await exitOf(gateway);
    expect(code).toBe(0);
    expectDrained(gateway);
  });
});

describe('a batch still uploading when the signal comes', () => {
  it('is read to the end, stored and answered, then the gateway exits 0', async () => {
    const gateway = await start(process.execPath, ['bin/marketgraph.mjs', 'serve']);
    await gateway.gql(UPSERT, { instruments: [instrument('EURUSD')] });
    const body = Buffer.from(JSON.stringify({ query: INSERT, variables: { ticks: tickSeries('EURUSD', Date.now() - 86_400_000, 100_000, 100) } }));
    // Half the body, the signal, then the rest: the request is in flight, its body not yet read.
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': body.length } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.write(body.subarray(0, body.length / 2));
      setTimeout(() => {
        SIGNALS['kill <pid>'](gateway);
        setTimeout(() => req.end(body.subarray(body.length / 2)), 500);
      }, 500);
    });
    const { status, text } = await response;
    expect(status, text.slice(0, 300)).toBe(200);
    expect(JSON.parse(text).data.insertTicks).toMatchObject({ accepted: 100_000, rejected: [] });
    const { code } = await exitOf(gateway);
    expect(code).toBe(0);
    expectDrained(gateway);
  });
});
