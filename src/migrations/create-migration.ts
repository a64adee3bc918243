import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadMigrations, MIGRATIONS_ROOT } from './load-migrations.js';
import type { Engine } from './migration.js';

/**
 * Writes the next-numbered, empty up and down files for a store and returns their paths.
 * `name` is lower case, digits and underscores (`add_instrument_isin`).
 */
export function createMigration(store: string, name: string, engine: Engine, root: string = MIGRATIONS_ROOT): { up: string; down: string } {
  if (!/^[a-z][a-z0-9]*$/.test(store)) throw new Error(`store must be lower-case letters and digits, got "${store}"`);
  if (!/^[a-z0-9][a-z0-9_]*$/.test(name)) throw new Error(`migration name must be lower case, digits and underscores, got "${name}"`);
  const existing = loadMigrations(store, engine, root);
  const version = String(existing.length + 1).padStart(4, '0');
  const dir = join(root, store);
  mkdirSync(dir, { recursive: true });
  const path = (direction: string) => join(dir, `${version}_${name}.${engine}.${direction}.sql`);
  const paths = { up: path('up'), down: path('down') };
  // 'wx': never overwrite a file that is already there.
  writeFileSync(paths.up, `-- ${version} ${name}: apply.\n`, { flag: 'wx' });
  writeFileSync(paths.down, `-- ${version} ${name}: undo what the up file does.\n`, { flag: 'wx' });
  return paths;
}
