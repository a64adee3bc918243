import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { spawnGateway, type GatewayProcess } from '../helpers/process-gateway.js';
import { wsClient } from '../helpers/ws-request.js';
import { subscribeOnce } from './probe.js';

/**
 * Subscription cursors of a partitioned stream (issue 13): with Kafka, a delivered tick's cursor
 * names each of the topic's partitions, and resumes; one naming a partition the topic lacks, or
 * more partitions than it has, is refused before any replay.
 */
const { POSTGRES_URL, REDIS_URL, KAFKA_BROKERS } = process.env;
const haveServers = Boolean(POSTGRES_URL && REDIS_URL && KAFKA_BROKERS);
const PARTITIONS = 3;

describe.skipIf(!haveServers)(`subscription cursors of a Kafka topic of ${PARTITIONS} partitions${haveServers ? '' : ' (POSTGRES_URL, REDIS_URL or KAFKA_BROKERS not set)'}`, () => {
  const run = Math.random().toString(36).slice(2, 7).toUpperCase();
  const symbol = `EURUSD${run}`;
  let gw: GatewayProcess;

  beforeAll(async () => {
    gw = await spawnGateway(
      {
        POSTGRES_URL: POSTGRES_URL!,
        REDIS_URL: REDIS_URL!,
        KAFKA_BROKERS: KAFKA_BROKERS!,
        KAFKA_TOPIC: `ticks-cursor-${run}`,
        KAFKA_SINK_GROUP: `sink-cursor-${run}`,
        KAFKA_PARTITIONS: String(PARTITIONS),
        KAFKA_SINK_MAX_WAIT_MS: '200',
        CLICKHOUSE_URL: '',
        WEAVIATE_URL: '',
        ARANGO_URL: '',
        MIGRATE_ON_START: 'true',
      },
      180_000,
    );
    expect((await gw.gql(UPSERT, { instruments: [instrument(symbol)] })).errors).toBeUndefined();
  }, 240_000);
  afterAll(() => gw?.kill());

  /** The cursor of a tick delivered live. */
  async function liveCursor(): Promise<string> {
    const client = wsClient(gw.url.replace(/^http/, 'ws'));
    try {
      const cursor = new Promise<string>((resolve, reject) => {
        client.subscribe({ query: `subscription($s: [String!]!) { ticks(symbols: $s) { cursor } }`, variables: { s: [symbol] } }, {
          next: (m) => resolve((m.data as { ticks: { cursor: string } }).ticks.cursor),
          error: reject,
          complete: () => reject(new Error('completed')),
        });
      });
      await new Promise((r) => setTimeout(r, 500)); // subscribed before the tick is sent
      await gw.gql(INSERT, { ticks: [{ symbol, time: Date.now() - 1_000, bid: 1.1, ask: 1.2 }] });
      return await cursor;
    } finally {
      await client.dispose();
    }
  }

  it('resumes from a delivered cursor naming every partition, and refuses one naming a partition the topic lacks', async () => {
    const cursor = await liveCursor();
    const positions = Buffer.from(cursor, 'base64url').toString().slice('live:'.length).split(',');
    expect(positions).toHaveLength(PARTITIONS);

    const query = `subscription($s: [String!]!, $a: String) { ticks(symbols: $s, after: $a) { bid } }`;
    const resumed = await subscribeOnce(gw, { query, variables: { s: [symbol], a: cursor } }, 2_000);
    expect(resumed.pending).toBe(true); // accepted: running, nothing missed

    const extra = Buffer.from(`live:${[...positions, `${PARTITIONS}.0`].join(',')}`).toString('base64url');
    expect((await subscribeOnce(gw, { query, variables: { s: [symbol], a: extra } })).code).toBe('BAD_USER_INPUT');
    const beyond = Buffer.from(`live:${positions.slice(1).join(',')},${PARTITIONS + 4}.0`).toString('base64url');
    expect((await subscribeOnce(gw, { query, variables: { s: [symbol], a: beyond } })).code).toBe('BAD_USER_INPUT');
  });
});
