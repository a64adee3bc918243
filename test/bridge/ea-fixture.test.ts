import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertBody } from '../../src/bridge/insert-body.js';
import { fromMqlTick, symbolMap, type MqlTick } from '../../src/bridge/mt5-tick.js';
import { verdict } from '../../src/bridge/retry-table.js';
import { EMBEDDED } from '../hostile/probe.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

/**
 * The reference Expert Advisor cannot be compiled or run here. What can be checked is that it
 * and the TypeScript client write the same request: bridge/mt5/fixture/ticks.json is a fixed set
 * of MqlTick values, body.json the one body both must make of them (the EA's SelfTest compares
 * its own with body.json in a terminal), and the EA's copy of the ticks is this file's.
 */
const fixture = JSON.parse(readFileSync(new URL('../../bridge/mt5/fixture/ticks.json', import.meta.url), 'utf8')) as {
  symbols: string;
  stripSuffix: string;
  serverOffsetSeconds: number;
  ticks: (MqlTick & { symbol: string })[];
};
const body = readFileSync(new URL('../../bridge/mt5/fixture/body.json', import.meta.url), 'utf8');
const ea = readFileSync(new URL('../../bridge/mt5/MarketgraphBridge.mq5', import.meta.url), 'utf8');

function clientBody(): string {
  const gatewaySymbol = new Map(symbolMap(fixture.symbols, fixture.stripSuffix).map((s) => [s.broker, s.gateway]));
  return insertBody(fixture.ticks.map(({ symbol, ...tick }) => fromMqlTick(gatewaySymbol.get(symbol)!, tick, tick.time_msc - fixture.serverOffsetSeconds * 1000)));
}

let gateway: GatewayProcess;
beforeAll(async () => {
  gateway = await spawnGateway({ ...EMBEDDED }, 120_000);
}, 300_000); // CLI runs and a gateway start, on a machine shared by seven test runs
afterAll(() => gateway?.stop());

describe('the Expert Advisor fixture', () => {
  it('is the body the TypeScript client writes, byte for byte', () => {
    expect(clientBody()).toBe(body);
  });

  it('holds the same ticks, symbols, suffix and offset as the EA’s SelfTest', () => {
    const block = /\/\/ FIXTURE symbol\|.*\n[^{]*\{\n([\s\S]*?)\n\s*\};\n\/\/ END FIXTURE/.exec(ea)?.[1];
    expect(block).toBeDefined();
    const lines = [...block!.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
    expect(lines).toEqual(fixture.ticks.map((t) => [t.symbol, t.time_msc, t.bid, t.ask, t.last, t.volume_real, t.flags].join('|')));
    expect(ea).toContain(`const string FIXTURE_SYMBOLS = "${fixture.symbols}";`);
    expect(ea).toContain(`const string FIXTURE_SUFFIX = "${fixture.stripSuffix}";`);
    expect(ea).toContain(`const long   FIXTURE_OFFSET_MS = ${fixture.serverOffsetSeconds * 1000};`);
    expect(ea).toContain(`const string QUERY = ${JSON.stringify(JSON.parse(body).query)};`);
  });

  it('is accepted whole by a gateway, whose answer has the markers the EA reads', async () => {
    const upsert = `mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`;
    const instruments = ['EURUSD', 'GOLD', 'USDJPY'].map((symbol) => ({ symbol, assetClass: 'FX', baseCurrency: symbol.slice(0, 3), quoteCurrency: 'USD', digits: 5 }));
    expect((await gateway.gql(upsert, { i: instruments })).status).toBe(200);
    const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    expect(verdict({ kind: 'answer', status: res.status, retryAfter: null, text })).toEqual({ action: 'done', accepted: 5, duplicates: 0, rejected: [] });
    // SendBatch and Done in the EA look for these by text.
    expect(text).toContain('"insertTicks":{');
    expect(text).toContain('"accepted":5');
    expect(text).toContain('"duplicates":0');
    expect(text).not.toContain('"errors"');
    const stored = await gateway.gql(`{ ticks(symbol: "GOLD") { edges { node { time bid ask last volume flags } } } }`);
    expect(stored.data.ticks.edges[0].node).toEqual({ time: '2026-11-27T08:00:00.500Z', bid: 2650.5, ask: 2650.82, last: 2650.6, volume: 0.5, flags: 30 });
  });
});
