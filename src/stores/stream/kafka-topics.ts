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
  const led = await untilAnswered(timeoutMs, async () => {
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic.topic] })).topics;
    const partitions = metadata?.partitions ?? [];
    const wanted = topic.numPartitions ?? partitions.length;
    return partitions.length > 0 && partitions.length >= wanted && partitions.every((p) => p.leader >= 0) ? true : undefined;
  });
  if (!led) throw new Error(`Topic ${topic.topic} has no leader for every partition after ${timeoutMs} ms`);
}

/**
 * Each partition's end (the offset the next record gets). Right after a topic is created its
 * leader may still answer NOT_LEADER_OR_FOLLOWER for a moment (the partition is not loaded
 * yet), after kafkajs's own retries: here any retriable answer means "not yet", until `timeoutMs`.
 */
export async function endOffsets(admin: Admin, topic: string, timeoutMs = 30_000): Promise<Map<number, string>> {
  const ends = await untilAnswered(timeoutMs, async () => new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high])));
  if (!ends) throw new Error(`Topic ${topic}'s offsets were not given within ${timeoutMs} ms`);
  return ends;
}

/** `ask`'s answer once it has one (not undefined), retrying while the broker's errors are retriable; undefined after `timeoutMs`. */
async function untilAnswered<T>(timeoutMs: number, ask: () => Promise<T | undefined>): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const answer = await ask();
      if (answer !== undefined) return answer;
    } catch (error) {
      if (!(error as { retriable?: boolean }).retriable) throw error;
    }
    if (Date.now() > deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
