import { atMostEvery, type Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { UnreadableListener } from '../stores/stream/tick-stream.js';

// Passed-over records are logged at most this often per reader; the metric counts each.
const LOG_EVERY_MS = 10_000;

/**
 * What a reader of the log does with a record it cannot read (tick-stream.ts): count it and
 * say so in the log. A stop is logged each time (once per partition and process); records
 * passed over at most every LOG_EVERY_MS, with how many were since, so that a producer writing
 * junk to the topic cannot flood the log.
 */
export function reportUnreadable(reader: 'sink' | 'live_feed', logger: Logger, metrics?: Metrics): UnreadableListener {
  const passedOver = atMostEvery(LOG_EVERY_MS);
  return (record) => {
    metrics?.unreadableRecords.inc({ reader, outcome: record.skipped ? 'skipped' : 'stopped' });
    const { partition, offset, reason } = record;
    if (!record.skipped) {
      logger.error(
        { reader, partition, offset, reason },
        'the sink stopped this partition at a record a later version of marketgraph wrote: a gateway of that version stores it and what follows, once the group deals it the partition (upgrade this process)',
      );
      return;
    }
    passedOver((since) =>
      logger.error({ reader, partition, offset, reason, newer: record.newer, passedOverSinceLastLog: since }, 'passed over a record of the tick topic that this version cannot read'),
    );
  };
}
