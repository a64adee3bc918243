import { readConfig } from '../config.js';
import { seedDemoData } from '../demo/seed.js';
import { createTickIngest } from '../ingest/insert-ticks.js';
import { createLogger } from '../logger.js';
import { createMetrics } from '../metrics.js';
import { closeStores, createStores, serverStores, startStores } from '../stores/stores.js';
import type { Command } from './args.js';

export const seedCommand: Command = {
  name: 'seed',
  summary: 'load the demo data (instruments, accounts, a day of ticks) into empty stores',
  usage: 'marketgraph seed',
  options: {},
  async run() {
    const config = readConfig();
    // Progress goes to stderr as log lines; the summary is the last of them.
    const logger = createLogger(config.logLevel === 'silent' ? 'silent' : 'info');
    const stores = await createStores(config);
    const startup = await startStores(stores, serverStores(config), logger);
    try {
      await Promise.all(Object.values(startup.started));
      const ingest = createTickIngest(stores, createMetrics());
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
