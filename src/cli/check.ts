import { readConfig } from '../config.js';
import { createStores, STORE_NAMES } from '../stores/stores.js';
import { withTimeout } from '../with-timeout.js';
import type { Command } from './args.js';

// How long one store may take to connect and answer.
const CHECK_TIMEOUT_MS = 30_000; // a fresh embedded PGlite directory alone takes ~5 s

export const checkCommand: Command = {
  name: 'check',
  summary: 'check the configuration and that every configured store answers',
  usage: 'marketgraph check',
  options: {},
  async run() {
    const config = readConfig();
    const stores = await createStores(config);
    let down = 0;
    for (const name of STORE_NAMES) {
      const store = stores[name];
      const started = performance.now();
      try {
        await withTimeout(store.start().then(() => store.ping()), CHECK_TIMEOUT_MS);
        const ms = (performance.now() - started).toFixed(1);
        console.log(`${name.padEnd(10)} up    ${ms.padStart(7)} ms  ${store.engine}`);
      } catch (error) {
        down++;
        const reason = error instanceof Error ? error.message : String(error);
        console.log(`${name.padEnd(10)} down  ${' '.repeat(10)}  ${store.engine}: ${reason.split('\n')[0]}`);
      }
    }
    for (const name of [...STORE_NAMES].reverse()) await stores[name].close().catch(() => undefined);
    return down === 0 ? 0 : 1;
  },
};
