import { readConfig } from '../config.js';
import { seedDemoData } from '../demo/seed.js';
import { createDurableWritePath } from '../ingest/durable-write-path.js';
import { createLocalWritePath } from '../ingest/local-write-path.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { migrateOnStart } from '../migrations/index.js';
import { closeStores, createStores, serverStores, startStores } from '../stores/stores.js';
import type { Command } from './args.js';

export const seedCommand: Command = {
  name: 'seed',
  summary: 'load the demo data (instruments, accounts, a day of ticks) into empty stores',
  usage: 'marketgraph seed [--migrate]',
  options: { migrate: { type: 'boolean' } },
  async run(values) {
    const config = readConfig();
    // Progress goes to stderr as log lines; the summary is the last of them.
    const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'info');
    const stores = await createStores(config);
    const servers = serverStores(config);
    const startup = await startStores(stores, servers, logger);
    try {
      // Server stores with pending migrations are refused, as by `serve`, unless --migrate.
      const ready = await migrateOnStart({ stores, servers, startup, migrate: values.migrate === true, logger });
      await Promise.all(Object.values(ready));
      // As the gateway does (src/app.ts); with a durable stream, a running gateway's sink stores the ticks.
      const options = { maxPendingTicks: config.ingestMaxPendingTicks };
      const { stream } = stores;
      const ingest =
        stream.kind === 'durable'
          ? createDurableWritePath(stores, stream, createMetrics(), { ...options, sinkGroup: config.kafka!.sinkGroup, logger })
          : createLocalWritePath(stores, stream, createMetrics(), options);
      await ingest.start();
      const seeded = await seedDemoData(stores, ingest, logger, (step) => process.stderr.write(`${step}\n`));
      if (!seeded) console.log('The stores already hold instruments: nothing seeded.');
      await ingest.drain();
      ingest.stop();
      return 0;
    } finally {
      startup.cancel();
      await closeStores(stores);
    }
  },
};
