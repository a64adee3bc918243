import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { wsClient, wsRequest } from '../helpers/ws-request.js';

// A gateway starts in seconds; on a loaded 2-core CI machine it has taken over a minute.
const START_MS = 180_000;
const EMBEDDED = { POSTGRES_URL: '', CLICKHOUSE_URL: '', REDIS_URL: '', KAFKA_BROKERS: '', WEAVIATE_URL: '', ARANGO_URL: '' };

/** The sample count of the operation histogram for one label pair, from /metrics. */
function operationCount(metrics: string, type: string, name: string): number {
  const line = `marketgraph_graphql_operation_duration_seconds_count{operation_type="${type}",operation_name="${name}"} `;
  const at = metrics.indexOf(line);
  return at < 0 ? 0 : Number(metrics.slice(at + line.length).split('\n')[0]);
}

describe('operation latency histogram and process metrics on /metrics', () => {
  let gateway: GatewayProcess;
  const metrics = async () => (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();

  beforeAll(async () => {
    gateway = await spawnGateway({ ...EMBEDDED, METRICS_OPERATION_NAMES_MAX: '2' }, START_MS);
  }, START_MS + 10_000);
  afterAll(async () => {
    await gateway?.stop();
  });

  it('labels operations by type and name, grouping unnamed ones, invalid ones and names beyond the cap', async () => {
    await gateway.gql('query First { instruments(first: 1) { edges { cursor } } }');
    await gateway.gql('query First { instruments(first: 1) { edges { cursor } } }');
    await gateway.gql('query Second { instruments(first: 1) { edges { cursor } } }');
    for (let i = 0; i < 5; i++) await gateway.gql(`query Extra${i} { instruments(first: 1) { edges { cursor } } }`);
    await gateway.gql('{ instruments(first: 1) { edges { cursor } } }');
    await gateway.gql('query Broken { noSuchField }');
    const text = await metrics();
    expect(operationCount(text, 'query', 'First')).toBe(2);
    expect(operationCount(text, 'query', 'Second')).toBe(1);
    expect(operationCount(text, 'query', '(other)')).toBe(5);
    expect(operationCount(text, 'query', '(anonymous)')).toBe(1);
    expect(operationCount(text, 'unknown', '(invalid)')).toBe(1);
    expect(text).not.toContain('Extra');
    expect(text).not.toContain('Broken');
  });

  it('times operations over graphql-ws under the same labels', async () => {
    const before = operationCount(await metrics(), 'query', 'First');
    const client = wsClient(gateway.url.replace('http', 'ws'));
    try {
      const result = await wsRequest(client, { query: 'query First { instruments(first: 1) { edges { cursor } } }' });
      expect(result.errors).toBeUndefined();
    } finally {
      await client.dispose();
    }
    expect(operationCount(await metrics(), 'query', 'First')).toBe(before + 1);
  });

  it('exports the default process metrics under their standard names', async () => {
    const text = await metrics();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(text).toMatch(new RegExp(`^${name} `, 'm'));
    }
    expect(text).not.toContain('marketgraph_process_');
    expect(text).not.toContain('marketgraph_nodejs_');
  });
});
