import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_ROOT } from '../../src/migrations/load-migrations.js';
import { MigrationError, type MigrationTarget } from '../../src/migrations/migration.js';
import { moduleTarget } from '../../src/migrations/module-target.js';
import { createTopicAndWait } from '../../src/stores/stream/kafka-topics.js';
import { migrateDown, migrateUp, migrationStatus } from '../../src/migrations/run-migrations.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { ledgerDatabase, ledgerRows, modulesAs } from './module-ledger.js';

const brokers = process.env.KAFKA_BROKERS;
const postgresUrl = process.env.POSTGRES_URL;
const run = Math.random().toString(36).slice(2, 8);
const SEVEN_DAYS_MS = String(7 * 24 * 60 * 60 * 1_000);

describe.skipIf(!brokers || !postgresUrl)(`Kafka migrations${brokers && postgresUrl ? '' : ' (KAFKA_BROKERS or POSTGRES_URL not set)'}`, () => {
  const store = `stream_${run}`;
  const topic = { name: `mg-migrations-${run}`, partitions: 3, replicationFactor: 1 };
  const kafka = new Kafka({ clientId: 'marketgraph-migrations-test', brokers: (brokers ?? '').split(','), logLevel: logLevel.NOTHING });
  let admin: Admin;
  let ledger: SqlClient;
  let drop: () => Promise<void>;
  let target: MigrationTarget;

  beforeAll(async () => {
    ({ ledger, drop } = await ledgerDatabase(postgresUrl!, `mg_kafka_migrations_${run}`));
    target = moduleTarget(store, 'kafka', { admin: kafka.admin(), topic }, ledger, await modulesAs('stream', 'kafka', store));
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.deleteTopics({ topics: [topic.name] }).catch(() => undefined);
    await admin?.disconnect();
    await drop?.();
  });

  /** Partition count and retention, as the broker reports them. */
  async function described(): Promise<{ partitions: number; retentionMs: string | undefined }> {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.name] })).topics;
    const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic.name, configNames: ['retention.ms'] }] });
    return { partitions: metadata!.partitions.length, retentionMs: resources[0]!.configEntries.find((e) => e.configName === 'retention.ms')?.configValue };
  }

  it('creates the topic with its partitions and a 7-day retention, and records the checksum', async () => {
    expect((await migrationStatus([target])).map((r) => [r.version, r.state])).toEqual([[1, 'pending']]);
    await migrateUp([target]);
    expect(await described()).toEqual({ partitions: 3, retentionMs: SEVEN_DAYS_MS });
    const text = readFileSync(join(MIGRATIONS_ROOT, 'stream', '0001_ticks_topic.kafka.ts'), 'utf8');
    expect(await ledgerRows(ledger, `${store}:kafka`)).toEqual([{ version: 1, checksum: createHash('sha256').update(text).digest('hex') }]);
  });

  it('refuses to drop the topic without allowDataLoss, and leaves it', async () => {
    await expect(migrateDown([target], { to: 0 })).rejects.toThrow(MigrationError);
    expect((await admin.listTopics()).includes(topic.name)).toBe(true);
    expect(await ledgerRows(ledger, `${store}:kafka`)).toHaveLength(1);
  });

  it('drops the topic and its ledger row on down, and up gives the same topic again', async () => {
    await migrateDown([target], { to: 0, allowDataLoss: true });
    expect((await admin.listTopics()).includes(topic.name)).toBe(false);
    expect(await ledgerRows(ledger, `${store}:kafka`)).toEqual([]);
    await migrateUp([target]);
    expect(await described()).toEqual({ partitions: 3, retentionMs: SEVEN_DAYS_MS });
  });

  it('gives a topic made before the migration (by an older start-up) its retention', async () => {
    await migrateDown([target], { to: 0, allowDataLoss: true });
    await createTopicAndWait(admin, { topic: topic.name, numPartitions: 3, replicationFactor: 1 });
    await migrateUp([target]);
    expect(await described()).toEqual({ partitions: 3, retentionMs: SEVEN_DAYS_MS });
  });
});
