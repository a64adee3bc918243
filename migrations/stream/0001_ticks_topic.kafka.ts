import kafkajs from 'kafkajs';
import type { KafkaMigrationContext } from '../../src/migrations/module-target.js';
import { createTopicAndWait } from '../../src/stores/stream/kafka-topics.js';

// kafkajs is CommonJS, and Node's ESM import finds no named export ConfigResourceTypes in it.
const { ConfigResourceTypes } = kafkajs;

// How long the broker keeps ticks: a consumer group that falls further behind than this loses
// the oldest ones. A constant of the migration, not configuration: changing it is a new migration.
const RETENTION_MS = 7 * 24 * 60 * 60 * 1_000; // 7 days

/** Dropping the topic drops every tick not yet consumed. */
export const destructive = { up: false, down: true };

/**
 * The ticks topic with its partitions, replication factor and retention. Idempotent, since a
 * step that fails half way is repeated: a topic that exists (say, made by an older gateway at
 * start-up) keeps its partitions and gets the retention.
 */
export async function up({ admin, topic }: KafkaMigrationContext): Promise<void> {
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic.name)) {
      await createTopicAndWait(admin, {
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: topic.replicationFactor,
        configEntries: [{ name: 'retention.ms', value: String(RETENTION_MS) }],
      });
    }
    // Also for a topic created before this migration, without a retention of its own.
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic.name, configEntries: [{ name: 'retention.ms', value: String(RETENTION_MS) }] }],
    });
  } finally {
    await admin.disconnect();
  }
}

export async function down({ admin, topic }: KafkaMigrationContext): Promise<void> {
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic.name)) await admin.deleteTopics({ topics: [topic.name] });
  } finally {
    await admin.disconnect();
  }
}
