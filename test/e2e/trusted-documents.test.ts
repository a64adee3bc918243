import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { wsClient, wsRequest } from '../helpers/ws-request.js';

// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const LATEST = 'query Latest($s: String!) { instrument(symbol: $s) { symbol latestTick { bid } } }';
const LIVE = 'subscription Live($s: [String!]!) { ticks(symbols: $s) { symbol bid } }';
const operations = [
  { name: 'Latest', type: 'query', body: LATEST },
  { name: 'Live', type: 'subscription', body: LIVE },
  { name: 'Upsert', type: 'mutation', body: UPSERT },
  { name: 'Insert', type: 'mutation', body: INSERT },
].map((op) => ({ id: sha256(op.body), ...op }));
const manifest = (ops: unknown[]) => JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: ops });

const dir = mkdtempSync(join(tmpdir(), 'marketgraph-trusted-'));
let gw: TestGateway;
let client: Client;

beforeAll(async () => {
  writeFileSync(join(dir, 'manifest.json'), manifest(operations));
  gw = await startGateway({ env: { ...embedded, TRUSTED_DOCUMENTS: join(dir, 'manifest.json') } });
  client = wsClient(gw.wsUrl);
  const upserted = await gw.gql(UPSERT, { instruments: [instrument('EURUSD')] });
  expect(upserted.data?.upsertInstruments).toBe(1);
});
afterAll(async () => {
  await client?.dispose();
  await gw?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function post(body: unknown) {
  const res = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, ...((await res.json()) as { data?: any; errors?: any[] }) };
}
const byHash = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

describe('trusted documents', () => {
  it('runs a manifest document named by extensions.persistedQuery.sha256Hash', async () => {
    const res = await post({ operationName: 'Latest', variables: { s: 'EURUSD' }, extensions: byHash(sha256(LATEST)) });
    expect(res.errors).toBeUndefined();
    expect(res.data.instrument.symbol).toBe('EURUSD');
  });

  it('runs a manifest document named by documentId, with or without its sha256: prefix', async () => {
    for (const documentId of [`sha256:${sha256(LATEST)}`, sha256(LATEST)]) {
      const res = await post({ documentId, variables: { s: 'EURUSD' } });
      expect(res.data?.instrument?.symbol).toBe('EURUSD');
    }
  });

  it('runs a query sent in full when it is in the manifest', async () => {
    const res = await gw.gql(LATEST, { s: 'EURUSD' });
    expect(res.data?.instrument?.symbol).toBe('EURUSD');
  });

  it('runs a manifest document named in a GET request', async () => {
    const search = new URLSearchParams({ extensions: JSON.stringify(byHash(sha256(LATEST))), variables: JSON.stringify({ s: 'EURUSD' }) });
    const res = await fetch(`${gw.url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).data.instrument.symbol).toBe('EURUSD');
  });

  it('refuses an id that is not in the manifest with PERSISTED_QUERY_NOT_FOUND, running nothing', async () => {
    gw.resetCalls();
    const res = await post({ variables: { s: 'EURUSD' }, extensions: byHash(sha256('{ __typename }')) });
    expect(res.status).toBe(400);
    expect(res.errors).toEqual([{ message: expect.stringMatching(/^Only trusted documents are accepted/), extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }]);
    expect(Object.fromEntries(gw.calls)).toEqual({});
  });

  it('refuses any other query with PERSISTED_QUERY_NOT_IN_LIST, running nothing', async () => {
    gw.resetCalls();
    for (const query of ['{ __typename }', `${LATEST} `, '{ instruments { edges { node { symbol } } } }']) {
      const res = await gw.gql(query, { s: 'EURUSD' });
      expect(res.status).toBe(400);
      expect(res.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      expect(res.errors?.[0]?.message).toMatch(/^Only trusted documents are accepted/);
    }
    const get = await fetch(`${gw.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(get.status).toBe(400);
    expect(Object.fromEntries(gw.calls)).toEqual({});
  });

  it('applies to WebSocket subscribe messages: a manifest subscription by id delivers, anything else is refused', async () => {
    const refused = await wsRequest(client, { query: '{ __typename }' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const unknown = await wsRequest(client, { query: '', extensions: byHash(sha256('{ __typename }')) });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const received: any[] = [];
    const dispose = client.subscribe(
      { query: '', variables: { s: ['EURUSD'] }, extensions: byHash(sha256(LIVE)) },
      { next: (msg) => received.push(msg), error: (e) => received.push({ error: e }), complete: () => undefined },
    );
    // The subscribe message is handled asynchronously: send ticks until one arrives.
    const start = Date.now() - 30_000;
    for (let i = 0; received.length === 0 && i < 50; i++) {
      await post({ variables: { ticks: [{ symbol: 'EURUSD', time: start + i, bid: 1.1, ask: 1.2 }] }, extensions: byHash(sha256(INSERT)) });
      await new Promise((r) => setTimeout(r, 100));
    }
    dispose();
    expect(received[0]).toEqual({ data: { ticks: { symbol: 'EURUSD', bid: 1.1 } } });
  });
});

describe('a trusted documents manifest that cannot be used', () => {
  const cases = {
    'a missing file': [join(dir, 'absent.json'), /cannot be read as JSON/],
    'not a manifest': [manifest([{ body: LATEST }]).replace('apollo-persisted-query-manifest', 'other'), /is not an Apollo persisted query manifest/],
    'an id that is not the sha256 of its body': [manifest([{ ...operations[0], id: sha256('something else') }]), /lists operation Latest under an id that is not the sha256 of its body/],
  } as const;
  for (const [name, [content, message]] of Object.entries(cases)) {
    it(`stops the start with a message: ${name}`, async () => {
      let path = content;
      if (!content.startsWith('/')) writeFileSync((path = join(dir, `${name.replace(/\W+/g, '-')}.json`)), content);
      // The manifest is read before anything opens: the data directory stays empty.
      await expect(startGateway({ dataDir: dir, env: { ...embedded, TRUSTED_DOCUMENTS: path } })).rejects.toThrow(message);
    });
  }
});
