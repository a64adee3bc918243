import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway | undefined;
afterAll(async () => {
  if (gw) await gw.destroy();
});

describe('restart', () => {
  it('keeps embedded data, cursors and duplicate detection across a restart', async () => {
    gw = await startGateway();
    const dataDir = gw.dataDir;
    await gw.gql(UPSERT, { instruments: [instrument('EURUSD')] });
    const ticks = [1, 2, 3].map((i) => ({ symbol: 'EURUSD', time: Date.now() - 10_000 + i, bid: i, ask: i + 1 }));
    expect((await gw.gql(INSERT, { ticks })).data.insertTicks.accepted).toBe(3);
    const before = (await gw.gql(`{ ticks(symbol: "EURUSD") { edges { cursor node { bid } } } }`)).data;
    await gw.stop();

    gw = await startGateway({ dataDir });
    const after = (await gw.gql(`{ ticks(symbol: "EURUSD") { edges { cursor node { bid } } } instrument(symbol: "EURUSD") { latestTick { bid } } }`)).data;
    expect(after.ticks).toEqual(before.ticks);
    expect(after.instrument.latestTick.bid).toBe(3);
    // the duplicate check knows what the previous process stored
    expect((await gw.gql(INSERT, { ticks })).data.insertTicks).toMatchObject({ accepted: 0, duplicates: 3 });
    // and new ticks continue the sequence instead of reusing cursors
    await gw.gql(INSERT, { ticks: [{ symbol: 'EURUSD', time: Date.now() - 1000, bid: 4, ask: 5 }] });
    const cursors = (await gw.gql(`{ ticks(symbol: "EURUSD") { edges { cursor } } }`)).data.ticks.edges.map((e: any) => e.cursor);
    expect(new Set(cursors).size).toBe(4);
  });

  it('seeds demo data once, on first start', async () => {
    await gw?.destroy();
    gw = await startGateway({ env: { SEED_DEMO_DATA: 'true' } });
    const dataDir = gw.dataDir;
    const count = async () => (await gw!.gql(`{ instruments(first: 1000) { edges { node { symbol } } } accounts { edges { node { id } } } }`)).data;
    const first = await count();
    expect(first.instruments.edges.length).toBeGreaterThanOrEqual(10);
    expect(first.accounts.edges.length).toBe(10);
    const candles = (await gw.gql(`{ candles(symbol: "EURUSD", interval: H1, limit: 48) { ticks } }`)).data.candles;
    expect(candles.length).toBeGreaterThanOrEqual(24);
    await gw.stop();
    gw = await startGateway({ dataDir, env: { SEED_DEMO_DATA: 'true' } });
    expect(await count()).toEqual(first);
    rmSync(dataDir, { recursive: true, force: true });
    gw = undefined;
  });
});
