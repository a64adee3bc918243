import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDestructive, type Engine, type Migration } from './migration.js';

/** `migrations/` at the root of the project, next to `src/`. */
export const MIGRATIONS_ROOT = fileURLToPath(new URL('../../migrations', import.meta.url));

// 0001_initial.postgres.up.sql: a four-digit version, a lower-case name, the engine, the direction.
const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.([a-z]+)\.(up|down)\.sql$/;

interface Pair {
  name: string;
  up?: string;
  down?: string;
}

/**
 * The migrations of one store for one engine, by version: every file in
 * `<root>/<store>/` must be named like `0001_initial.postgres.up.sql`, every version must
 * have an up and a down file, and versions must run 1, 2, 3… without gaps or duplicates.
 * Files for another engine are left out (a store may one day hold migrations for two).
 * A store without a folder has no migrations.
 */
export function loadMigrations(store: string, engine: Engine, root: string = MIGRATIONS_ROOT): Migration[] {
  const dir = join(root, store);
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const pairs = new Map<number, Pair>();
  for (const file of files.sort()) {
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`${dir}: ${file} is not named like 0001_name.${engine}.up.sql`);
    const [, digits, name, fileEngine, direction] = match as unknown as [string, string, string, string, 'up' | 'down'];
    if (fileEngine !== 'postgres' && fileEngine !== 'clickhouse') throw new Error(`${dir}: ${file} names an unknown engine ${fileEngine}`);
    if (fileEngine !== engine) continue;
    const version = Number(digits);
    const pair = pairs.get(version) ?? { name };
    if (pair.name !== name) throw new Error(`${dir}: version ${digits} is used twice (${pair.name} and ${name})`);
    pair[direction] = readFileSync(join(dir, file), 'utf8');
    pairs.set(version, pair);
  }
  const versions = [...pairs.keys()].sort((a, b) => a - b);
  return versions.map((version, index) => {
    const { name, up, down } = pairs.get(version)!;
    const label = `${dir}/${String(version).padStart(4, '0')}_${name}.${engine}`;
    if (version !== index + 1) throw new Error(`${dir}: version ${index + 1} is missing (found ${version} next)`);
    if (up === undefined || down === undefined) throw new Error(`${label}: needs both .up.sql and .down.sql`);
    return {
      store,
      engine,
      version,
      name,
      checksum: createHash('sha256').update(up).update('\n').update(down).digest('hex'),
      destructive: { up: isDestructive(up), down: isDestructive(down) },
      up,
      down,
    };
  });
}
