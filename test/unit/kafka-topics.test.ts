import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { endOffsets } from '../../src/stores/stream/kafka-topics.js';

/**
 * Right after a topic is created, its leader may answer NOT_LEADER_OR_FOLLOWER for a moment,
 * past kafkajs's own retries: a gateway's first start on a fresh topic (`marketgraph migrate up`
 * in the image check) failed that way about once in 15 starts (scratch loop on CI's Kafka).
 */
describe('endOffsets', () => {
  const notLeader = Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true });
  const admin = (answers: (Error | { partition: number; high: string }[])[]) =>
    ({
      fetchTopicOffsets: async () => {
        const answer = answers.shift()!;
        if (answer instanceof Error) throw answer;
        return answer.map((o) => ({ ...o, offset: o.high, low: '0' }));
      },
    }) as unknown as Admin;

  it('asks again while the broker answers a retriable error, then gives each partition its end', async () => {
    const ends = await endOffsets(admin([notLeader, notLeader, [{ partition: 0, high: '7' }, { partition: 1, high: '0' }]]), 'ticks', 5_000);
    expect(ends).toEqual(new Map([[0, '7'], [1, '0']]));
  });

  it('fails at once on an error that is not retriable, and after the timeout on retriable ones', async () => {
    const denied = Object.assign(new Error('Topic authorization failed'), { retriable: false });
    await expect(endOffsets(admin([denied]), 'ticks', 5_000)).rejects.toThrow('Topic authorization failed');
    await expect(endOffsets(admin(Array(50).fill(notLeader)), 'ticks', 150)).rejects.toThrow(/ticks's offsets were not given within 150 ms/);
  });
});
