import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';

let dev: TestGateway;
let production: GatewayProcess;
// Embedded engines only, whatever servers the test run has.
const embedded = { POSTGRES_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', CLICKHOUSE_URL: '', WEAVIATE_URL: '', ARANGO_URL: '' };

beforeAll(async () => {
  dev = await startGateway();
  production = await spawnGateway({ ...embedded, NODE_ENV: 'production' });
});
afterAll(async () => {
  await dev?.destroy();
  await production?.stop();
});

const post = (url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(url, { method: 'POST', headers, body });

describe('HTTP hardening', () => {
  it('refuses batched requests', async () => {
    const res = await post(dev.url, JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]));
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/batch/i);
  });

  it('blocks requests a browser could send cross-site without a preflight (CSRF)', async () => {
    const simple = await post(dev.url, JSON.stringify({ query: '{ __typename }' }), { 'content-type': 'text/plain' });
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/Cross-Site Request Forgery/);
    const get = await fetch(`${dev.url}?query=${encodeURIComponent('{ __typename }')}`);
    expect(get.status).toBe(400);
    const withHeader = await fetch(`${dev.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(withHeader.status).toBe(200);
  });

  it('answers introspection and suggests field names outside production', async () => {
    const schema = await dev.gql(`{ __schema { queryType { name } } }`);
    expect(schema.data.__schema.queryType.name).toBe('Query');
    const typo = await dev.gql(`{ instrumnts { edges { cursor } } }`);
    expect(typo.errors?.[0]?.message).toMatch(/Did you mean "instrument/);
  });

  it('refuses introspection and names no fields in production', async () => {
    const schema = await production.gql(`{ __schema { queryType { name } } }`);
    expect(schema.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(schema.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await production.gql(`{ instrumnts { edges { cursor } } }`);
    expect(typo.errors?.[0]?.message).toBe('Cannot query field "instrumnts" on type "Query".');
  });
});
