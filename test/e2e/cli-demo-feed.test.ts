import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, UsageError } from '../../src/cli/args.js';
import { demoFeedCommand } from '../../src/cli/demo-feed.js';
import { INSERT, instrument, UPSERT } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

const bin = fileURLToPath(new URL('../../bin/marketgraph.mjs', import.meta.url));
// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };
const START = { EURUSD: 1.085, GBPUSD: 1.265, USDJPY: 151.2 };

let gw: TestGateway;

/** Runs `marketgraph demo-feed …` in its own process, as a user would. */
function demoFeed(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp' };
    execFile(process.execPath, [bin, 'demo-feed', ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function storedTicks(symbol: string): Promise<{ bid: number; ask: number }[]> {
  const res = await gw.gql(`query($s: String!) { ticks(symbol: $s, first: 10000) { edges { node { bid ask } } } }`, { s: symbol });
  return res.data.ticks.edges.map((e: { node: { bid: number; ask: number } }) => e.node);
}

beforeAll(async () => {
  gw = await startGateway({ env: embedded });
  await gw.gql(UPSERT, { instruments: [instrument('EURUSD'), instrument('GBPUSD'), instrument('USDJPY', { digits: 3 })] });
  const time = Date.now() - 60_000;
  const res = await gw.gql(INSERT, { ticks: Object.entries(START).map(([symbol, bid]) => ({ symbol, time, bid, ask: bid + 0.0002 })) });
  expect(res.data.insertTicks.accepted).toBe(3);
});
afterAll(() => gw?.destroy());

describe('marketgraph demo-feed', () => {
  it('plays rate x duration ticks of the symbols asked for, walking from their latest tick', async () => {
    const run = await demoFeed(['--url', gw.url, '--rate', '100', '--duration', '2', '--symbols', 'EURUSD,GBPUSD']);
    expect(run.stderr).toMatch(/^(demo-feed: .*\n)*$/); // progress lines only
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^demo-feed: 200 ticks sent to http:\/\/127\.0\.0\.1:\d+\/graphql in \d+\.\d s \(\d+\.\d ticks\/s\); 200 accepted, 0 duplicates, 0 rejected\n$/);
    const eur = await storedTicks('EURUSD');
    const gbp = await storedTicks('GBPUSD');
    expect(eur.length + gbp.length).toBe(200 + 2);
    expect(eur.length).toBeGreaterThan(50); // symbols are picked at random: 100 each on average
    expect(await storedTicks('USDJPY')).toHaveLength(1);
    for (const [symbol, ticks] of [['EURUSD', eur], ['GBPUSD', gbp]] as const) {
      for (const t of ticks) {
        expect(Math.abs(t.bid / START[symbol] - 1), symbol).toBeLessThan(0.01); // about 0.05% a minute
        expect(t.ask).toBeCloseTo(t.bid + 0.0002, 5); // the spread of the latest tick
      }
    }
  });

  it('refuses a bad option or an unknown symbol with a message and exit code 2', async () => {
    const runs = await Promise.all([demoFeed(['--rate', '0']), demoFeed(['--url', gw.url, '--symbols', 'EURUSD,NOPE', '--duration', '1'])]);
    const messages = [/--rate must be a number above 0 and at most 1000000; got "0"/, /unknown symbols: NOPE/];
    runs.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(messages[i]!);
      expect(run.stderr).toMatch(/^Usage: marketgraph demo-feed/m);
      expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    });
  });

  it('names the option at fault before sending anything', async () => {
    const refused = async (args: string[]) => {
      const { values, positionals } = parse(demoFeedCommand, args); // throws for an unknown option
      return demoFeedCommand.run(values, positionals);
    };
    await expect(refused(['--rate', 'fast'])).rejects.toThrow(new UsageError('--rate must be a number above 0 and at most 1000000; got "fast"'));
    await expect(refused(['--duration=-1'])).rejects.toThrow(/--duration must be a number above 0/);
    await expect(refused(['--url', 'ftp://127.0.0.1/graphql'])).rejects.toThrow(/--url must be an http\(s\) URL/);
    await expect(refused(['--symbols', ' , '])).rejects.toThrow(/--symbols must name at least one instrument/);
    await expect(refused(['--speed', '10'])).rejects.toThrow(/Unknown option '--speed'/);
  });

  it('says which gateway it cannot reach and exits 1', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve)); // a port nothing listens on
    const run = await demoFeed(['--url', `http://127.0.0.1:${port}/graphql`, '--duration', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`marketgraph demo-feed: cannot reach the gateway at http://127.0.0.1:${port}/graphql: ECONNREFUSED\n`);
  });

  it('sends --api-key as a bearer token on every request', async () => {
    // A stand-in gateway that records the Authorization header of each request.
    const seen: (string | undefined)[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      let body = '';
      req.on('data', (c) => (body += c)).on('end', () => {
        const { variables } = JSON.parse(body) as { variables: { ticks?: unknown[] } };
        const data = variables.ticks
          ? { insertTicks: { accepted: variables.ticks.length, duplicates: 0, rejected: [] } }
          : { instruments: { edges: [{ node: { symbol: 'EURUSD', digits: 5, latestTick: null } }], pageInfo: { hasNextPage: false, endCursor: null } } };
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
      const run = await demoFeed(['--url', url, '--rate', '20', '--duration', '1', '--api-key', 'mg_test_key']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/20 ticks sent/);
      expect(seen.length).toBeGreaterThanOrEqual(2); // the instruments query, then at least one insertTicks
      expect(new Set(seen)).toEqual(new Set(['Bearer mg_test_key']));
    } finally {
      server.close();
    }
  });
});
