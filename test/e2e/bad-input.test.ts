import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
  await gw.gql(UPSERT, { instruments: [instrument('EURUSD')] });
});
afterAll(() => gw.destroy());

function expectNoInternals(body: unknown) {
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/stacktrace|\bat .*\.ts:\d+|node_modules/);
}

describe('bad input', () => {
  it('refuses `first` above the cap with BAD_USER_INPUT', async () => {
    const res = await gw.gql(`{ ticks(symbol: "EURUSD", first: 10001) { edges { cursor } } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/at most 10000/);
    expectNoInternals(res);
  });

  it('refuses a cursor it did not issue', async () => {
    const res = await gw.gql(`{ ticks(symbol: "EURUSD", after: "garbage") { edges { cursor } } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const instrumentCursor = (await gw.gql(`{ instruments { edges { cursor } } }`)).data.instruments.edges[0].cursor;
    const crossed = await gw.gql(`query($a: String) { ticks(symbol: "EURUSD", after: $a) { edges { cursor } } }`, { a: instrumentCursor });
    expect(crossed.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses a malformed DateTime naming the tick and the field', async () => {
    const res = await gw.gql(INSERT, { ticks: [{ symbol: 'EURUSD', time: 'yesterday', bid: 1, ask: 2 }] });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/ticks\[0\]\.time/);
    expect(res.errors?.[0]?.message).toMatch(/ISO-8601/);
    expectNoInternals(res);
  });

  it('accepts DateTime as ISO-8601 with an offset or as epoch milliseconds, and outputs UTC with milliseconds', async () => {
    const res = await gw.gql(INSERT, {
      ticks: [
        { symbol: 'EURUSD', time: '2024-03-01T12:00:00.5+02:00', bid: 1, ask: 2 },
        { symbol: 'EURUSD', time: Date.UTC(2024, 2, 1, 10, 0, 1), bid: 1, ask: 2 },
      ],
    });
    expect(res.data.insertTicks.accepted).toBe(2);
    const { data } = await gw.gql(`{ ticks(symbol: "EURUSD", from: "2024-03-01T00:00:00Z", to: 1709290801000) { edges { node { time } } } }`);
    expect(data.ticks.edges.map((e: any) => e.node.time)).toEqual(['2024-03-01T10:00:01.000Z', '2024-03-01T10:00:00.500Z']);
  });

  it('refuses `from` after `to`', async () => {
    const res = await gw.gql(`{ candles(symbol: "EURUSD", interval: M1, from: 2000, to: 1000) { time } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('refuses an invalid instrument without writing any of the batch', async () => {
    const res = await gw.gql(UPSERT, { instruments: [instrument('GBPUSD'), instrument('BAD SYMBOL')] });
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.errors?.[0]?.message).toMatch(/instruments\[1\]\.symbol/);
    expect((await gw.gql(`{ instrument(symbol: "GBPUSD") { symbol } }`)).data.instrument).toBeNull();
  });

  it('answers a syntax error with GRAPHQL_PARSE_FAILED and invalid JSON with 400', async () => {
    const res = await gw.gql(`{ instruments {`);
    expect(res.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const raw = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as any).errors[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('masks an unexpected failure as INTERNAL_SERVER_ERROR', async () => {
    const relational = gw.app.stores.relational;
    const original = relational.listInstruments;
    relational.listInstruments = async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'secret_column')");
    };
    try {
      const res = await gw.gql(`{ instruments { edges { cursor } } }`);
      expect(res.errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
      expect(res.errors?.[0]?.message).toBe('Internal server error');
      expectNoInternals(res);
    } finally {
      relational.listInstruments = original;
    }
  });
});
