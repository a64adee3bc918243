import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveWebPage } from '../../src/http/web-page.js';
import type { GraphStore } from '../../src/stores/graph/graph-store.js';
import type { VectorStore } from '../../src/stores/vector/vector-store.js';
import { switchable, type Switchable } from '../helpers/failing-store.js';
import { INSERT, UPSERT } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

const WEB = fileURLToPath(new URL('../../web', import.meta.url));
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const BIN = fileURLToPath(new URL('../../bin/marketgraph.mjs', import.meta.url));
// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };

const MINUTE = 60_000;
const M5 = 5 * MINUTE;
const pair = (symbol: string, sector: string, assetClass = 'FX', digits = 5) => ({
  symbol, description: `${symbol} test`, baseCurrency: symbol.slice(0, 3), quoteCurrency: symbol.slice(3), sector, assetClass, digits,
});
const MARKET = [
  pair('EURUSD', 'Majors'),
  pair('GBPUSD', 'Majors'),
  pair('USDJPY', 'Majors', 'FX', 3),
  pair('AUDNZD', 'Crosses'),
  pair('XAUUSD', 'Metals', 'METAL', 2),
  pair('XAGUSD', 'Metals', 'METAL', 3),
];
const PRICES: Record<string, number> = { EURUSD: 1.08, GBPUSD: 1.26, USDJPY: 150, AUDNZD: 1.09, XAUUSD: 2300, XAGUSD: 28 };

let gw: TestGateway;
let graph: Switchable<GraphStore>;
let vector: Switchable<VectorStore>;
let origin: string;
let browser: Browser;
let page: Page;
/** Everything that went wrong in the browser: failed requests, HTTP errors, console errors. */
const problems: string[] = [];

/** Seeded random numbers, so the test's prices are the same every run. */
function random(seed: number) {
  return () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
}

/** Three hours of one tick a minute per instrument; XAGUSD moves exactly as XAUUSD does. */
function history(now: number) {
  const rand = random(11);
  const walks = new Map(Object.entries(PRICES));
  const ticks = [];
  for (let m = 180; m >= 1; m--) {
    for (const { symbol, digits } of MARKET) {
      const previous = walks.get(symbol)!;
      const price = symbol === 'XAGUSD' ? (walks.get('XAUUSD')! / 2300) * 28 : previous * (1 + (rand() - 0.5) / 500);
      walks.set(symbol, price);
      const bid = Number(price.toFixed(digits));
      ticks.push({ symbol, time: now - m * MINUTE + 1000, bid, ask: Number((bid + 10 ** -digits * 10).toFixed(digits)) });
    }
  }
  return ticks;
}

const lastCandle = async () => JSON.parse((await page.getAttribute('#chart', 'data-last-candle')) ?? 'null');

async function insert(ticks: object[]) {
  const res = await gw.gql(INSERT, { ticks });
  expect(res.data.insertTicks).toMatchObject({ accepted: ticks.length, rejected: [] });
}

/** GET with the path sent as written: fetch() would resolve '..' before sending. */
function rawGet(path: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const { hostname, port } = new URL(origin);
    request({ hostname, port, path }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject).end();
  });
}

beforeAll(async () => {
  // The page as `npm run build:web` builds it, from the current sources.
  await build({ root: WEB, configFile: join(WEB, 'vite.config.ts'), logLevel: 'warn' });
  gw = await startGateway({
    env: embedded,
    wrapStores(stores) {
      graph = switchable(stores.graph);
      vector = switchable(stores.vector);
      return { ...stores, graph: graph.port, vector: vector.port };
    },
  });
  origin = new URL(gw.url).origin;
  expect((await gw.gql(UPSERT, { instruments: MARKET })).data.upsertInstruments).toBe(MARKET.length);
  await insert(history(Math.floor(Date.now() / MINUTE) * MINUTE));
  expect((await gw.gql(`mutation { refreshCorrelations(interval: M5, window: 36, threshold: 0.99) }`)).data.refreshCorrelations).toBeGreaterThanOrEqual(1);
  expect((await gw.gql(`mutation { refreshPatterns(interval: M5) }`)).data.refreshPatterns).toBe(MARKET.length);

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console error: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});
afterAll(async () => {
  await browser?.close();
  await gw?.destroy();
});

describe('the market page', () => {
  it('lists every instrument with prices, draws a chart and shows each store ready, with no failed request or console error', async () => {
    await page.goto(`${origin}/#EURUSD`);
    await page.locator('#instruments .row').nth(MARKET.length - 1).waitFor();
    expect(await page.locator('#instruments .row b').allTextContents()).toEqual(MARKET.map((m) => m.symbol).sort());
    const latest = (await gw.gql(`{ instrument(symbol: "EURUSD") { latestTick { bid ask } } }`)).data.instrument.latestTick;
    const row = page.locator('#instruments .row[data-symbol="EURUSD"]');
    expect(await row.locator('.bid').textContent()).toBe(latest.bid.toFixed(5));
    expect(await row.locator('.ask').textContent()).toBe(latest.ask.toFixed(5));
    expect(await row.getAttribute('class')).toContain('selected');

    await page.waitForSelector('#chart[data-symbol="EURUSD"][data-interval="M5"]');
    const [candle] = (await gw.gql(`{ candles(symbol: "EURUSD", interval: M5, limit: 1) { time open high low close } }`)).data.candles;
    expect(await lastCandle()).toEqual(candle);
    await page.waitForSelector('#status .store.up >> nth=5');
    expect(await page.locator('#status .store.down').count()).toBe(0);
    await page.waitForSelector('#status[data-connection="live"]');
    await page.waitForSelector('#related a[data-symbol="GBPUSD"]');
    await page.waitForSelector('#similar a');
    expect(problems).toEqual([]);
  });

  it("moves the selected instrument's price and last candle when ticks are inserted through the API", async () => {
    // The subscription has no acknowledgement: ticks of another instrument are sent until the page
    // counts one, which proves the page's subscription is in place.
    for (let i = 0; !(await page.getAttribute('#status', 'data-ticks-received')); i++) {
      expect(i, 'the page never received a tick').toBeLessThan(50);
      await insert([{ symbol: 'AUDNZD', time: Date.now(), bid: 1.09 + i / 1e5, ask: 1.0902 + i / 1e5 }]);
      await page.waitForTimeout(100);
    }
    const up = Number(((await lastCandle()).close + 0.01).toFixed(5)); // above the candle's high
    const time = Date.now();
    await insert([{ symbol: 'EURUSD', time, bid: up, ask: up + 0.0001 }]);
    await page.waitForFunction((bid) => document.getElementById('quote-bid')?.textContent === bid, up.toFixed(5));
    expect(await page.locator('#instruments .row[data-symbol="EURUSD"] .bid').textContent()).toBe(up.toFixed(5));
    const afterUp = await lastCandle();
    expect(afterUp.time).toBe(new Date(Math.floor(time / M5) * M5).toISOString());
    expect(afterUp).toMatchObject({ close: up, high: up });

    const down = Number((up - 0.03).toFixed(5)); // below its low
    await insert([{ symbol: 'EURUSD', time: Date.now(), bid: down, ask: down + 0.0001 }]);
    await page.waitForFunction((bid) => document.getElementById('quote-bid')?.textContent === bid, down.toFixed(5));
    expect(await lastCandle()).toMatchObject({ open: afterUp.open, high: up, low: down, close: down });
    // What the page drew is what the candles query now answers.
    const [candle] = (await gw.gql(`{ candles(symbol: "EURUSD", interval: M5, limit: 1) { time open high low close } }`)).data.candles;
    expect(await lastCandle()).toEqual(candle);
    expect(problems).toEqual([]);
  });

  it('selects a related instrument when its link is clicked and redraws the chart from its candles', async () => {
    await page.click('#instruments .row[data-symbol="XAUUSD"]');
    await page.waitForSelector('#chart[data-symbol="XAUUSD"]');
    const silver = page.locator('#related li', { has: page.locator('a[data-symbol="XAGUSD"]') });
    await silver.waitFor();
    const chips = await silver.locator('.chip').allTextContents();
    expect(chips).toEqual(expect.arrayContaining(['sector', 'currency']));
    expect(chips.find((c) => c.startsWith('correlated'))).toMatch(/^correlated (0\.99|1\.00)$/);
    await page.waitForSelector('#similar li:first-child a[data-symbol="XAGUSD"]'); // XAGUSD moves exactly as XAUUSD

    await silver.locator('a').click();
    await page.waitForSelector('#chart[data-symbol="XAGUSD"]');
    expect(await page.textContent('#quote-symbol')).toBe('XAGUSD');
    expect(new URL(page.url()).hash).toBe('#XAGUSD');
    expect(await page.getAttribute('#instruments .row[data-symbol="XAGUSD"]', 'class')).toContain('selected');
    const [candle] = (await gw.gql(`{ candles(symbol: "XAGUSD", interval: M5, limit: 1) { time open high low close } }`)).data.candles;
    expect(await lastCandle()).toEqual(candle);
    await page.waitForSelector('#related a[data-symbol="XAUUSD"]');
    expect(problems).toEqual([]);
  });

  it('redraws the chart at the interval picked', async () => {
    await page.click('#intervals button[data-interval="H1"]');
    await page.waitForSelector('#chart[data-symbol="XAGUSD"][data-interval="H1"]');
    const [candle] = (await gw.gql(`{ candles(symbol: "XAGUSD", interval: H1, limit: 1) { time open high low close } }`)).data.candles;
    expect(await lastCandle()).toEqual(candle);
    expect(await page.getAttribute('#intervals button[data-interval="H1"]', 'class')).toBe('active');
    // Back to M5 for the screenshot, where the patterns were computed.
    await page.click('#intervals button[data-interval="M5"]');
    await page.waitForSelector('#chart[data-interval="M5"]');
    expect(problems).toEqual([]);
  });

  it('saves a screenshot under test-artifacts/', async () => {
    await page.click('#instruments .row[data-symbol="EURUSD"]');
    await page.waitForSelector('#chart[data-symbol="EURUSD"]:not([aria-busy])');
    await page.waitForSelector('#similar a');
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'market-page.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(statSync(file).size).toBeGreaterThan(20_000);
  });

  it('keeps prices and the chart while the graph and vector stores are down, and says which panel is unavailable', async () => {
    graph.fail();
    vector.fail();
    try {
      await page.click('#instruments .row[data-symbol="GBPUSD"]');
      await page.waitForSelector('#chart[data-symbol="GBPUSD"]:not([aria-busy])');
      await expect.poll(() => page.textContent('#related')).toBe('Graph store unavailable.');
      await expect.poll(() => page.textContent('#similar')).toBe('Vector store unavailable.');
      const [candle] = (await gw.gql(`{ candles(symbol: "GBPUSD", interval: M5, limit: 1) { time open high low close } }`)).data.candles;
      expect(await lastCandle()).toEqual(candle);
      // The status strip reads /readyz every 5 s: both stores down, the gateway still ready.
      await page.waitForSelector('#status .store.down >> nth=1', { timeout: 15_000 });
      expect(await page.locator('#status .store.down').allTextContents()).toEqual(['graph', 'vector']);
      expect(problems).toEqual([]);
    } finally {
      graph.heal();
      vector.heal();
    }
  });
});

describe('serving the page', () => {
  it('answers / and its hashed assets with their content types, caching only the hashed ones for long', async () => {
    const index = await gw.get('/');
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const res = await gw.get(asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('content-type')).toBe(asset.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('serves nothing outside the built page, however the path is written', async () => {
    for (const path of ['/assets/../../package.json', '/..%2f..%2fpackage.json', '/assets/..%2f..%2f..%2fpackage.json', '/%2e%2e/%2e%2e/package.json', '/assets/%2e%2e%2f%2e%2e%2fREADME.md', '/.vite/manifest.json', '//etc/passwd', '/assets/nope.js']) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).not.toMatch(/marketgraph|root:/);
    }
  });

  it('keeps the explorer, health, readiness, metrics and version routes', async () => {
    const explorer = await fetch(gw.url, { headers: { accept: 'text/html' } });
    expect(await explorer.text()).toMatch(/marketgraph explorer/);
    for (const path of ['/healthz', '/readyz', '/metrics', '/version']) expect((await gw.get(path)).status, path).toBe(200);
  });

  it('says how to build the page when it is not built', async () => {
    const server: Server = createServer(async (req, res) => {
      if (!(await serveWebPage(req.url!, res, join(ARTIFACTS, 'no-such-dist')))) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await fetch(`${base}/`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await res.text()).toMatch(/npm run build:web/);
      expect((await fetch(`${base}/assets/index.js`)).status).toBe(404);
    } finally {
      server.close();
    }
  });
});

/** `marketgraph keys create` in `dataDir` (embedded engines): the key it prints. */
function createKey(dataDir: string, role: string): Promise<string> {
  const env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, 'keys', 'create', '--role', role, '--name', `page-${role}`], { env, timeout: 120_000 }, (error, stdout) =>
      error ? reject(error) : resolve(stdout.trim()),
    );
  });
}

describe('the market page on a gateway with AUTH=required', () => {
  let dataDir: string;
  let gateway: GatewayProcess;
  let authOrigin: string;
  const keys = { admin: '', read: '', ingest: '' };
  // Well-formed, never issued: the gateway looks it up and refuses it.
  const UNKNOWN_KEY = `mg_${'0'.repeat(16)}_${'A'.repeat(43)}`;
  const SYMBOLS = ['EURUSD', 'GBPUSD', 'XAUUSD'];

  const asAdmin = async (query: string, variables: object) => {
    const res = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.admin}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as any;
  };
  /** A fresh tab (its own sessionStorage) that records every /graphql request's credential and every HTTP error. */
  async function openTab(path: string) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
    const tab = await context.newPage();
    const credentials: (string | undefined)[] = [];
    const errors: number[] = [];
    tab.on('request', (r) => r.url().endsWith('/graphql') && r.method() === 'POST' && credentials.push(r.headers().authorization));
    tab.on('response', (r) => r.status() >= 400 && errors.push(r.status()));
    tab.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await tab.goto(`${authOrigin}${path}`);
    return { context, tab, credentials, errors };
  }
  const reason = (tab: Page) => tab.locator('#credentials[open] #credentials-reason');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marketgraph-page-auth-'));
    // One at a time: the embedded PostgreSQL's directory belongs to one process.
    for (const role of ['admin', 'read', 'ingest'] as const) keys[role] = await createKey(dataDir, role);
    gateway = await spawnGateway({ ...embedded, AUTH: 'required', DATA_DIR: dataDir });
    authOrigin = new URL(gateway.url).origin;
    expect((await asAdmin(UPSERT, { instruments: MARKET.filter((m) => SYMBOLS.includes(m.symbol)) })).data.upsertInstruments).toBe(3);
    const now = Date.now();
    const ticks = SYMBOLS.map((symbol) => ({ symbol, time: now - 60_000, bid: PRICES[symbol]!, ask: PRICES[symbol]! + 0.01 }));
    expect((await asAdmin(INSERT, { ticks })).data.insertTicks.accepted).toBe(3);
  }, 300_000); // three `keys create` runs and a gateway start: 15 s idle, over 100 s on a loaded machine
  afterAll(async () => {
    await gateway?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for an API key when the gateway answers 401, and shows no data', async () => {
    const { context, tab, credentials, errors } = await openTab('/');
    try {
      await expect.poll(() => reason(tab).textContent()).toMatch(/^This gateway needs an API key \(HTTP 401\)\./);
      expect(await tab.textContent('#instruments')).toBe('Waiting for an API key.');
      mkdirSync(ARTIFACTS, { recursive: true });
      await tab.screenshot({ path: join(ARTIFACTS, 'market-page-api-key.png') });
      expect(credentials).toEqual([undefined]);
      expect(errors).toEqual([401]);
    } finally {
      await context.close();
    }
  });

  it('shows the data and live ticks with a valid key typed in, sent on every request and on the socket', async () => {
    const { context, tab, credentials, errors } = await openTab('/');
    try {
      await reason(tab).waitFor();
      await tab.fill('#api-key', keys.read);
      await tab.click('#credentials button[type="submit"]');
      await tab.locator('#instruments .row').nth(SYMBOLS.length - 1).waitFor();
      expect(await tab.locator('#instruments .row b').allTextContents()).toEqual(SYMBOLS);
      expect(await tab.locator('#instruments .row[data-symbol="XAUUSD"] .bid').textContent()).toBe(PRICES.XAUUSD!.toFixed(2));
      await tab.waitForSelector('#chart[data-symbol="EURUSD"]');
      expect(await tab.evaluate(() => sessionStorage.getItem('marketgraph.apiKey'))).toBe(keys.read);
      // Live ticks arrive only over a socket whose connectionParams carried the key (else 4403).
      await tab.waitForSelector('#status[data-connection="live"]');
      for (let i = 0; !(await tab.getAttribute('#status', 'data-ticks-received')); i++) {
        expect(i, 'the page never received a tick').toBeLessThan(50);
        await asAdmin(INSERT, { ticks: [{ symbol: 'GBPUSD', time: Date.now(), bid: 1.3 + i / 1e5, ask: 1.3002 + i / 1e5 }] });
        await tab.waitForTimeout(100);
      }
      await asAdmin(INSERT, { ticks: [{ symbol: 'EURUSD', time: Date.now(), bid: 1.12345, ask: 1.12355 }] });
      await tab.waitForFunction(() => document.getElementById('quote-bid')?.textContent === '1.12345');
      // The first request went without a key and was refused; every one after the key was entered carried it.
      expect(credentials[0]).toBeUndefined();
      expect(credentials.slice(1).length).toBeGreaterThanOrEqual(3);
      expect(new Set(credentials.slice(1))).toEqual(new Set([`Bearer ${keys.read}`]));
      expect(errors).toEqual([401]);
    } finally {
      await context.close();
    }
  });

  it('takes a key from the URL fragment, keeps it for the tab and removes it from the address bar', async () => {
    const { context, tab, errors } = await openTab(`/#key=${encodeURIComponent(keys.read)}`);
    try {
      await tab.locator('#instruments .row').nth(SYMBOLS.length - 1).waitFor();
      expect(new URL(tab.url()).hash).toBe('');
      // about:blank and this page: the URL with the key was replaced, not kept behind a new entry.
      expect(await tab.evaluate(() => history.length)).toBe(2);
      expect(await tab.evaluate(() => sessionStorage.getItem('marketgraph.apiKey'))).toBe(keys.read);
      expect(await tab.locator('#credentials[open]').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('says plainly that an unknown key is refused (401) and a key without the read role too (403), and forgets it', async () => {
    for (const [key, expected, status] of [
      [UNKNOWN_KEY, /^The API key was refused \(HTTP 401\): The API key is not valid or has been revoked\.$/, 401],
      [keys.ingest, /^The API key was refused: it lacks a role this page needs \(HTTP 403\): This operation needs the read role; the credential has ingest\.$/, 403],
    ] as const) {
      const { context, tab, errors } = await openTab(`/#key=${encodeURIComponent(key)}`);
      try {
        await expect.poll(() => reason(tab).textContent()).toMatch(expected);
        expect(await tab.evaluate(() => sessionStorage.getItem('marketgraph.apiKey'))).toBeNull();
        expect(await tab.locator('#instruments .row').count()).toBe(0);
        expect(errors).toEqual([status]);
        expect(await tab.content()).not.toContain(key);
      } finally {
        await context.close();
      }
    }
  });

  it('says plainly when the live tick socket is closed with 4403, and does not retry it', async () => {
    const { context, tab } = await openTab('/');
    let sockets = 0;
    try {
      // The gateway closes with 4403 a socket whose key it refuses (test/e2e/access-control.test.ts);
      // here the HTTP key is accepted and the socket is refused, as happens when the key is revoked
      // between the two.
      await context.routeWebSocket(/\/graphql$/, (ws) => {
        sockets++;
        ws.onMessage(() => ws.close({ code: 4403, reason: 'Forbidden' }));
      });
      await reason(tab).waitFor();
      await tab.fill('#api-key', keys.read);
      await tab.click('#credentials button[type="submit"]');
      await expect.poll(() => reason(tab).textContent()).toBe(
        'The API key was refused (the live tick connection was closed with 4403): Forbidden',
      );
      expect(await tab.getAttribute('#status', 'data-connection')).toBe('refused');
      await tab.waitForTimeout(1_500); // graphql-ws would have retried within this
      expect(sockets).toBe(1);
    } finally {
      await context.close();
    }
  });
});
