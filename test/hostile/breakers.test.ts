import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { wsRequest } from '../helpers/ws-request.js';
import { breakers, EMBEDDED, healthy, post, underAttack, type HostileAnswer } from './probe.js';

/**
 * Issue 13, "bad input never opens a circuit": values that pass the GraphQL edge and are refused
 * by the store itself (PostgreSQL refuses NUL in text, the vector store a zero vector). Each is the
 * client's error; five in a row used to open the store's circuit and fail every other client.
 */
const PATTERN_LENGTH = 32; // the default PATTERN_LENGTH

const instrument = (fields: Record<string, unknown>) => ({
  query: 'mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }',
  variables: { i: [{ symbol: 'HOSTILE1', assetClass: 'fx', baseCurrency: 'HST', quoteCurrency: 'USD', digits: 5, ...fields }] },
});

// Each reaches a store: none is a symbol, a time or a cursor (those are refused at the edge).
const HOSTILE: Record<string, unknown> = {
  'a zero pattern vector': {
    query: 'query($v: [Float!]!) { similarPatterns(vector: $v, interval: M1) { distance } }',
    variables: { v: Array(PATTERN_LENGTH).fill(0) },
  },
  'a NUL in an asset class filter': {
    query: 'query($a: String) { instruments(assetClass: $a) { edges { cursor } } }',
    variables: { a: 'fx\u0000' },
  },
  'a NUL in an instrument description': instrument({ description: 'euro\u0000dollar' }),
  'a NUL in an instrument sector': instrument({ sector: 'Metals\u0000' }),
  'a NUL in a similar-patterns asset class': {
    query: 'query($v: [Float!]!, $a: String) { similarPatterns(vector: $v, interval: M1, assetClass: $a) { distance } }',
    variables: { v: Array(PATTERN_LENGTH).fill(1), a: 'fx\u0000' },
  },
};

describe('values a store refuses', () => {
  let gateway: GatewayProcess;
  beforeAll(async () => {
    gateway = await spawnGateway({ ...EMBEDDED });
  }, 120_000);
  afterAll(() => gateway?.stop());

  it('are answered BAD_USER_INPUT, ten in a row of each leave every circuit closed, and what was stored stays', async () => {
    const stored = await post(gateway.url, JSON.stringify(instrument({ description: 'a valid one' })));
    expect(stored.body).toEqual({ data: { upsertInstruments: 1 } });

    const { result, slowestHealthMs, rssGrowthBytes } = await underAttack(gateway, async () => {
      const answers: Record<string, HostileAnswer[]> = {};
      for (const [name, body] of Object.entries(HOSTILE)) {
        answers[name] = [];
        for (let i = 0; i < 10; i++) answers[name].push(await post(gateway.url, JSON.stringify(body)));
      }
      return answers;
    });

    for (const [name, answers] of Object.entries(result)) {
      const slowest = Math.max(...answers.map((a) => a.ms));
      console.info(`${name}: ${answers[9]!.status} ${answers[9]!.code}, slowest ${Math.round(slowest)} ms`);
      expect(answers.map((a) => a.code), name).toEqual(Array(10).fill('BAD_USER_INPUT'));
      expect(JSON.stringify(answers[0]!.body), name).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
      expect(slowest, name).toBeLessThan(5_000);
    }
    console.info(`50 hostile requests: RSS growth ${(rssGrowthBytes / 2 ** 20).toFixed(1)} MiB, slowest /healthz ${Math.round(slowestHealthMs)} ms`);
    expect(await breakers(gateway)).toEqual({ relational: 'closed', ticks: 'closed', cache: 'closed', stream: 'closed', graph: 'closed', vector: 'closed' });
    expect(await healthy(gateway)).toBe(true);
    expect(slowestHealthMs).toBeLessThan(5_000);
    expect(rssGrowthBytes).toBeLessThan(100 * 2 ** 20);

    // The stores still serve other clients, and the instrument stored before is unchanged.
    const after = await gateway.gql('{ instrument(symbol: "HOSTILE1") { description sector } }');
    expect(after).toMatchObject({ status: 200, data: { instrument: { description: 'a valid one', sector: null } } });
    expect(after.errors).toBeUndefined();
  }, 120_000);

  it('are answered BAD_USER_INPUT over WebSocket too, and leave every circuit closed', async () => {
    const client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      for (const name of ['a zero pattern vector', 'a NUL in an asset class filter']) {
        const { query, variables } = HOSTILE[name] as { query: string; variables: Record<string, unknown> };
        for (let i = 0; i < 10; i++) {
          const result = await wsRequest(client, { query, variables });
          expect(result.errors?.[0]?.extensions?.code, name).toBe('BAD_USER_INPUT');
        }
      }
    } finally {
      await client.dispose();
    }
    expect(Object.values(await breakers(gateway)).every((state) => state === 'closed')).toBe(true);
  }, 60_000);
});
