import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readConfig } from '../config.js';
import { inMemoryTmp } from '../stores/ticks/in-memory-tmp.js';
import { partFilesCost } from '../stores/ticks/part-files-cost.js';
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
    if (!config.clickhouse) dataDirLine(join(config.dataDir, 'chdb'));
    return down === 0 ? 0 : 1;
  },
};

/**
 * The embedded tick store writes a part (ten files) per insert under the data directory: where
 * creating a file is slow, that is much of what ingest costs (README, DATA_DIR). Measured here,
 * beside the same in memory when there is a /dev/shm to write in.
 */
function dataDirLine(dir: string): void {
  if (!existsSync(dir)) return; // the tick store did not start: its line says why
  let here: number;
  try {
    here = partFilesCost(dir).wallMs;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return void console.log(`${'data dir'.padEnd(10)} could not write in ${dir}: ${reason.split('\n')[0]}`);
  }
  const memory = inMemoryTmp();
  const inMemory = memory ? `; in memory (${memory}) ${partFilesCost(memory).wallMs.toFixed(2)} ms` : '';
  console.log(`${'data dir'.padEnd(10)} ${here.toFixed(2).padStart(13)} ms  to write one part's files (ten; each tick insert writes one) in ${dir}${inMemory}`);
}
