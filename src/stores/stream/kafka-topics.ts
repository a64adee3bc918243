import type { Admin, ITopicConfig } from 'kafkajs';

/**
 * Creates a topic and waits until every partition has a leader.
 *
 * kafkajs's own `waitForLeaders` retries only while the broker answers LEADER_NOT_AVAILABLE.
 * A KRaft broker also answers UNKNOWN_TOPIC_OR_PARTITION for a moment after its controller
 * created the topic (the broker's metadata cache trails the controller), most often right
 * after a topic of the same name was deleted; kafkajs then fails a creation that succeeded.
 * Here any retriable answer means "not yet", until `timeoutMs`.
 */
export async function createTopicAndWait(admin: Admin, topic: ITopicConfig, timeoutMs = 30_000): Promise<void> {
  await admin.createTopics({ waitForLeaders: false, topics: [topic] });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.topic] })).topics;
      const partitions = metadata?.partitions ?? [];
      const wanted = topic.numPartitions ?? partitions.length;
      if (partitions.length > 0 && partitions.length >= wanted && partitions.every((p) => p.leader >= 0)) return;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
    }
    if (Date.now() > deadline) throw new Error(`Topic ${topic.topic} has no leader for every partition after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
