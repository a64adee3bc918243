import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED } from '../hostile/probe.js';
import { bin, fx, gql, restartableGateway, storedCount, UPSERT, type Restartable } from './bridge-gateway.js';

/**
 * demo-feed through the bridge client: against a gateway that rate-limits it below its rate and
 * is killed and restarted in the middle, it still sends rate x duration ticks, all stored, and
 * its walk and its clock go on from where they were.
 */
let gateway: Restartable;

beforeAll(async () => {
  gateway = await restartableGateway({ INGEST_RATE_LIMIT_TICKS_PER_S: '150', INGEST_RATE_LIMIT_BURST: '150' });
  await gql(gateway.url, null, UPSERT, { i: [fx('EURUSD')] });
  await gql(gateway.url, null, `mutation($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } }`, { t: [{ symbol: 'EURUSD', time: Date.now() - 60_000, bid: 1.085, ask: 1.0852 }] });
}, 300_000); // CLI runs and a gateway start, on a machine shared by seven test runs
afterAll(() => gateway?.stop());

describe('marketgraph demo-feed', () => {
  it('survives a rate limit and a gateway restart without losing a tick or its place', async () => {
    const child = spawn(process.execPath, [bin, 'demo-feed', '--url', gateway.url, '--rate', '200', '--duration', '6'], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...EMBEDDED },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    let running = true;
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve)).finally(() => (running = false));
    // Restarted once demo-feed is sending (its first ticks are stored), not before: its start-up
    // query for the latest prices is not retried, as a command that cannot begin should say so.
    while (running && (await storedCount(gateway.url, null, 'EURUSD')) < 50) await new Promise((r) => setTimeout(r, 100));
    await gateway.restart(1_500);
    expect(await exited, stderr).toBe(0);

    const done = /^demo-feed: 1,200 ticks sent to \S+ in [\d.]+ s \([\d.]+ ticks\/s\); ([\d,]+) accepted, ([\d,]+) duplicates, 0 rejected\n$/.exec(stdout);
    expect(done, stdout).not.toBeNull();
    expect(Number(done![1]!.replace(',', '')) + Number(done![2])).toBe(1_200);
    expect(stderr).toMatch(/^demo-feed: RATE_LIMITED: re-sending \d+ ticks in \d+\.\d s$/m);
    expect(stderr).toMatch(/^demo-feed: connection \w+: re-sending/m);
    expect(await storedCount(gateway.url, null, 'EURUSD')).toBe(1_201);

    // Its place: times evenly spread (no hole where the gateway was away), prices a continuous walk.
    const data = await gql(gateway.url, null, `{ ticks(symbol: "EURUSD", first: 2000) { edges { node { time bid } } } }`);
    const ticks = (data.ticks.edges as { node: { time: string; bid: number } }[]).map((e) => e.node).reverse().slice(1);
    const gaps = ticks.slice(1).map((t, i) => Date.parse(t.time) - Date.parse(ticks[i]!.time));
    const moves = ticks.slice(1).map((t, i) => Math.abs(t.bid / ticks[i]!.bid - 1));
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...gaps)).toBeLessThan(1_000); // 5 ms apart on average, 100 ms between batches
    expect(Math.max(...moves)).toBeLessThan(0.001);
  }, 300_000);
});
