import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, fx, gql, marketgraph, restartableGateway, storedCount, UPSERT, type Restartable } from './bridge-gateway.js';
import { mt5DateTime, writeBigMt5, writeMt5 } from './mt5-files.js';

/** `marketgraph import` in its own process against a gateway in another, on files made here. */
const dir = mkdtempSync(join(tmpdir(), 'marketgraph-import-'));
let gateway: Restartable;
const HOUR = 3_600_000;

beforeAll(async () => {
  gateway = await restartableGateway({});
  await gql(gateway.url, null, UPSERT, { i: ['EURUSD', 'GBPUSD', 'USDJPY', 'AUDUSD', 'NZDUSD', 'USDCAD', 'USDCHF', 'EURJPY'].map((s) => fx(s)) });
}, 300_000); // CLI runs and a gateway start, on a machine shared by seven test runs
afterAll(async () => {
  await gateway?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const importFiles = (args: string[]) => marketgraph(['import', '--url', gateway.url, ...args]);

async function storedTicks(symbol: string) {
  const data = await gql(gateway.url, null, `query($s: String!) { ticks(symbol: $s, first: 10000) { edges { node { time bid ask last volume flags } } } }`, { s: symbol });
  return (data.ticks.edges as { node: Record<string, unknown> }[]).map((e) => e.node).reverse(); // oldest first
}

/** "…; 3 sent: 2 accepted, 1 duplicates, 0 rejected; …" as numbers. */
function summary(stdout: string) {
  const m = /([\d,]+) sent: ([\d,]+) accepted, ([\d,]+) duplicates, ([\d,]+) rejected/.exec(stdout);
  if (!m) throw new Error(`no summary in: ${stdout}`);
  const [sent, accepted, duplicates, rejected] = m.slice(1).map((v) => Number(v.replaceAll(',', '')));
  return { sent, accepted, duplicates, rejected };
}

describe('marketgraph import of MT5 tick exports', () => {
  it('carries an empty price forward from the line before, and converts server time to UTC', async () => {
    const file = join(dir, 'EURUSD_202611270000_202611272359.csv'); // the symbol comes from MT5's file name
    writeMt5(file, [
      ['2026.11.27', '10:00:00.017', '1.08682', '1.08712', '', '', '6'],
      ['2026.11.27', '10:00:00.228', '', '1.08710', '', '', '4'],
      ['2026.11.27', '10:00:00.500', '1.08690', '', '', '', '2'],
      ['2026.11.27', '10:00:01.000', '', '', '1.08700', '3', '24'],
      ['2026.11.27', '10:00:01.250', '1.08695'], // trailing empty fields left out
    ]);
    const run = await importFiles([file, '--server-offset', '2']);
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run.stdout)).toEqual({ sent: 5, accepted: 5, duplicates: 0, rejected: 0 });
    expect(await storedTicks('EURUSD')).toEqual([
      { time: '2026-11-27T08:00:00.017Z', bid: 1.08682, ask: 1.08712, last: null, volume: null, flags: 6 },
      { time: '2026-11-27T08:00:00.228Z', bid: 1.08682, ask: 1.0871, last: null, volume: null, flags: 4 },
      { time: '2026-11-27T08:00:00.500Z', bid: 1.0869, ask: 1.0871, last: null, volume: null, flags: 2 },
      { time: '2026-11-27T08:00:01.000Z', bid: 1.0869, ask: 1.0871, last: 1.087, volume: 3, flags: 24 },
      { time: '2026-11-27T08:00:01.250Z', bid: 1.08695, ask: 1.0871, last: 1.087, volume: 3, flags: null },
    ]);
  });

  it('stores nothing new when the same file is imported again', async () => {
    const run = await importFiles([join(dir, 'EURUSD_202611270000_202611272359.csv'), '--server-offset', '2']);
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run.stdout)).toEqual({ sent: 5, accepted: 0, duplicates: 5, rejected: 0 });
    expect(await storedCount(gateway.url, null, 'EURUSD')).toBe(5);
  });

  it('follows a server time zone across both daylight-saving changes, the repeated hour included', async () => {
    // Ticks every 10 minutes around each change, as UTC instants; the file holds the server's
    // wall-clock time: Europe/Athens (UTC+2, UTC+3 from 2026-03-29T01:00Z to 2026-10-25T01:00Z),
    // and a New York close server (New York + 7 h: UTC+2, UTC+3 from 2026-03-08T07:00Z to 2026-11-01T06:00Z).
    const around = (changeUtc: number) => Array.from({ length: 25 }, (_, i) => changeUtc - 2 * HOUR + i * 10 * 60_000);
    const cases = [
      { symbol: 'GBPUSD', offset: 'Europe/Athens', summer: [Date.UTC(2026, 2, 29, 1), Date.UTC(2026, 9, 25, 1)] },
      { symbol: 'USDJPY', offset: 'America/New_York+7', summer: [Date.UTC(2026, 2, 8, 7), Date.UTC(2026, 10, 1, 6)] },
    ];
    for (const { symbol, offset, summer } of cases) {
      const instants = [...around(summer[0]!), ...around(summer[1]!)];
      const wall = (utc: number) => utc + (utc >= summer[0]! && utc < summer[1]! ? 3 : 2) * HOUR;
      const file = join(dir, `${symbol}_dst.csv`);
      writeMt5(file, instants.map((utc, i) => [...mt5DateTime(wall(utc)), (1.2 + i / 10_000).toFixed(5), (1.2003 + i / 10_000).toFixed(5), '', '', '6']));
      // In autumn the server's clock goes back an hour: its wall times repeat.
      expect(new Set(instants.map(wall)).size).toBeLessThan(instants.length);
      const run = await importFiles([file, '--server-offset', offset]);
      expect(run.code, run.stderr).toBe(0);
      expect(summary(run.stdout), symbol).toEqual({ sent: 50, accepted: 50, duplicates: 0, rejected: 0 });
      expect((await storedTicks(symbol)).map((t) => t.time), symbol).toEqual(instants.map((t) => new Date(t).toISOString()));
    }
  });

  it('names the file, line, column and what was expected of a malformed line, after storing the lines before it', async () => {
    const file = join(dir, 'AUDUSD_bad.csv');
    writeMt5(file, [
      ['2026.11.27', '10:00:00.000', '0.65001', '0.65011', '', '', '6'],
      ['2026.11.27', '10:00:01.000', '0.65002', '0.65012', '', '', '6'],
      ['2026.13.27', '10:00:02.000', '0.65003', '0.65013', '', '', '6'],
      ['2026.11.27', '10:00:03.000', '0,65004', '0.65014', '', '', '6'],
      ['2026.11.27', '10:00:04.000', '0.65005', '0.65015', '', '', '6', 'extra'],
      ['2026.11.27', '10:00:05.000', '0.65006', '0.65016', '', '', '-1'],
      ['2026.11.27', '10:00:06.000', '0.65007', '0.65017', '', '', '6'],
    ]);
    const stopped = await importFiles([file, '--server-offset', '0']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(`marketgraph import: ${file}:4: column 1 (<DATE>): expected a date as YYYY.MM.DD such as 2026.11.27; got "2026.13.27" (--skip-bad-lines to go on and count them)`);
    expect(stopped.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(await storedCount(gateway.url, null, 'AUDUSD')).toBe(2);

    const skipped = await importFiles([file, '--server-offset', '0', '--skip-bad-lines']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toContain(`import: skipped ${file}:5: column 3 (<BID>): expected a number such as 1.08512 (a dot for decimals) or nothing; got "0,65004"`);
    expect(skipped.stderr).toContain(`import: skipped ${file}:6: expected at most 7 tab-separated fields, as the header has; got 8`);
    expect(skipped.stderr).toContain(`import: skipped ${file}:7: column 7 (<FLAGS>): expected an unsigned 32-bit integer such as 6 or nothing; got "-1"`);
    expect(skipped.stdout).toMatch(/; 4 bad lines skipped\n$/);
    expect(summary(skipped.stdout)).toEqual({ sent: 3, accepted: 1, duplicates: 2, rejected: 0 });
    expect(await storedCount(gateway.url, null, 'AUDUSD')).toBe(3);
  });

  it('creates the instrument of an unknown symbol with --create-instruments, and leaves a known one as it is', async () => {
    const file = join(dir, 'EURGBP_202611270000_202611272359.csv');
    writeMt5(file, [['2026.11.27', '10:00:00.000', '0.87654', '0.87664', '', '', '6']]);
    const run = await importFiles([file, '--server-offset', '2', '--create-instruments']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('import: created instrument EURGBP (FX, EUR/GBP, 5 digits)');
    const data = await gql(gateway.url, null, `{ instrument(symbol: "EURGBP") { assetClass baseCurrency quoteCurrency digits latestTick { bid } } }`);
    expect(data.instrument).toEqual({ assetClass: 'FX', baseCurrency: 'EUR', quoteCurrency: 'GBP', digits: 5, latestTick: { bid: 0.87654 } });
    const again = await importFiles([file, '--server-offset', '2', '--create-instruments']);
    expect(again.stderr).not.toContain('created instrument');
  });

  it('reads an export saved as UTF-16 with its byte order mark, as MetaTrader writes text files', async () => {
    const file = join(dir, 'EURJPY_utf16.csv');
    const text = ['<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>', '2026.05.01\t10:00:00.000\t0.59001\t0.59011\t\t\t6', ''].join('\r\n');
    writeFileSync(file, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    const run = await importFiles([file, '--server-offset', '3']);
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run.stdout)).toEqual({ sent: 1, accepted: 1, duplicates: 0, rejected: 0 });
    expect((await storedTicks('EURJPY')).at(0)).toEqual({ time: '2026-05-01T07:00:00.000Z', bid: 0.59001, ask: 0.59011, last: null, volume: null, flags: 6 });
  });

  it('asks for --server-offset rather than guess that an MT5 file is in UTC', async () => {
    const run = await importFiles([join(dir, 'EURUSD_202611270000_202611272359.csv')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/an MT5 export is in the broker's server time: give --server-offset/);
  });

  it('ends with every tick stored once when a run is killed in the middle and repeated', async () => {
    const file = join(dir, 'NZDUSD_history.csv');
    const total = 300_000;
    await writeBigMt5(file, total, Date.UTC(2026, 5, 1));
    const child = spawn(process.execPath, [bin, 'import', file, '--url', gateway.url, '--server-offset', '3', '--batch-size', '5000'], { stdio: 'ignore' });
    let running = true;
    const exited = new Promise((resolve) => child.once('exit', resolve)).then(() => (running = false));
    let stored = 0;
    while (stored < total / 5 && running) {
      await new Promise((r) => setTimeout(r, 50));
      stored = await storedCount(gateway.url, null, 'NZDUSD');
    }
    expect(running, 'the first run ended before it could be killed').toBe(true);
    child.kill('SIGKILL');
    await exited;
    await new Promise((r) => setTimeout(r, 1_000)); // a batch the gateway took before the kill is still stored
    const storedAtKill = await storedCount(gateway.url, null, 'NZDUSD');
    expect(storedAtKill).toBeLessThan(total);

    const again = await importFiles([file, '--server-offset', '3', '--batch-size', '5000']);
    expect(again.code, again.stderr).toBe(0);
    expect(summary(again.stdout)).toEqual({ sent: total, accepted: total - storedAtKill, duplicates: storedAtKill, rejected: 0 });
    expect(await storedCount(gateway.url, null, 'NZDUSD')).toBe(total);
  }, 300_000); // two imports of 300,000 ticks on a machine shared by seven test runs

  it('streams a 1,000,000-line export with bounded memory', async () => {
    const file = join(dir, 'USDCAD_million.csv');
    const total = 1_000_000;
    await writeBigMt5(file, total, Date.UTC(2026, 6, 1));
    // A JavaScript heap of 96 MiB: the file's ticks held at once would need about 150 MiB of it
    // (a tick object is ~150 bytes), so finishing at all says the file was streamed.
    const child = spawn(process.execPath, ['--max-old-space-size=96', bin, 'import', file, '--url', gateway.url, '--server-offset', '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    let peak = 0;
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) * 1024);
      } catch {
        // exited between samples
      }
    }, 50);
    const code = await exited;
    clearInterval(sampler);
    expect(code).toBe(0);
    expect(summary(stdout)).toEqual({ sent: total, accepted: total, duplicates: 0, rejected: 0 });
    expect(await storedCount(gateway.url, null, 'USDCAD')).toBe(total);
    const fileBytes = readFileSync(file).length;
    console.log(`import of ${total.toLocaleString('en-US')} lines (${(fileBytes / 2 ** 20).toFixed(0)} MiB): peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB; ${stdout.trim()}`);
    // The CLI loads tsx and the gateway's modules before reading a line: ~170 MiB resident here
    // (`import --help` measured 172 MiB); the import itself added ~20 MiB to that.
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThan(260 * 2 ** 20);
  }, 300_000); // a minute or two on a machine shared by seven test runs
});

describe('marketgraph import of CSV and NDJSON', () => {
  it('reads named columns in any order, times with a zone or in epoch milliseconds', async () => {
    const csv = join(dir, 'ticks.csv');
    writeFileSync(csv, 'Ask,Bid,Time,Symbol,Flags\n0.90012,0.90002,2026-11-27T10:00:00.000Z,USDCHF,6\n0.90013,0.90003,1795773601000,USDCHF,\n');
    const ndjson = join(dir, 'ticks.ndjson');
    writeFileSync(ndjson, '{"symbol":"USDCHF","time":"2026-11-27T10:00:02.000+02:00","bid":0.90004,"ask":0.90014,"volume":2}\n\n{"time":1795773603000,"bid":0.90005,"ask":0.90015}\n');
    const run = await importFiles([csv, ndjson, '--symbol', 'USDCHF']);
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run.stdout)).toEqual({ sent: 4, accepted: 4, duplicates: 0, rejected: 0 });
    expect(await storedTicks('USDCHF')).toEqual([
      { time: '2026-11-27T08:00:02.000Z', bid: 0.90004, ask: 0.90014, last: null, volume: 2, flags: null },
      { time: '2026-11-27T10:00:00.000Z', bid: 0.90002, ask: 0.90012, last: null, volume: null, flags: 6 },
      { time: '2026-11-27T10:00:01.000Z', bid: 0.90003, ask: 0.90013, last: null, volume: null, flags: null },
      { time: '2026-11-27T10:00:03.000Z', bid: 0.90005, ask: 0.90015, last: null, volume: null, flags: null },
    ]);
  });

  it('names the field of a malformed NDJSON line, and reports ticks the gateway rejects by line', async () => {
    const ndjson = join(dir, 'rejects.ndjson');
    writeFileSync(ndjson, '{"symbol":"USDCHF","time":"2026-11-27T11:00:00Z","bid":"high","ask":1}\n');
    const bad = await importFiles([ndjson]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${ndjson}:1: field "bid": expected a number such as 1.08512; got "high"`);

    writeFileSync(ndjson, '{"symbol":"XXXYYY","time":"2026-11-27T11:00:00Z","bid":1,"ask":2}\n{"symbol":"USDCHF","time":"2026-11-27T11:00:00Z","bid":2,"ask":1}\n');
    const rejected = await importFiles([ndjson]);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain(`import: ${ndjson}:1: rejected by the gateway: unknown symbol "XXXYYY"`);
    expect(rejected.stderr).toContain('import: give --symbol, or --create-instruments (with an admin key), for "XXXYYY"');
    expect(rejected.stderr).toContain(`import: ${ndjson}:2: rejected by the gateway: bid 2 is greater than ask 1`);
    expect(summary(rejected.stdout)).toEqual({ sent: 2, accepted: 0, duplicates: 0, rejected: 2 });
  });
});

describe('marketgraph import options', () => {
  it('refuses a missing file name or a bad option with a message, its usage and exit code 2, before reading', async () => {
    const runs = await Promise.all([
      marketgraph(['import']),
      marketgraph(['import', 'x.csv', '--server-offset', 'Mars/Olympus']),
      marketgraph(['import', 'x.csv', '--batch-size', '0']),
      marketgraph(['import', 'x.csv', '--in-flight', '17']),
    ]);
    const messages = [
      /name at least one file to import/,
      /--server-offset must be hours \(2, -5, 5:45\) or a time zone \(Europe\/Athens, America\/New_York\+7\); got "Mars\/Olympus"/,
      /--batch-size must be a whole number from 1 to 100000; got "0"/,
      /--in-flight must be a whole number from 1 to 16; got "17"/,
    ];
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(messages[i]!);
      expect(run.stderr).toMatch(/^Usage: marketgraph import <file>\.\.\./m);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    });
  });
});
