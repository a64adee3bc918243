import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDestructive, MODULE_ENGINES, type Engine, type Migration, type MigrationModule, type ModuleEngine, type ModuleMigration, type SqlEngine } from './migration.js';

/** `migrations/` at the root of the project, next to `src/`. */
export const MIGRATIONS_ROOT = fileURLToPath(new URL('../../migrations', import.meta.url));

// 0001_initial.postgres.up.sql: a four-digit version, a lower-case name, the engine, the direction.
// 0001_ticks_topic.kafka.ts: the same without a direction, for the engines migrated by modules.
const FILE_NAME = /^(\d{4})_([a-z0-9][a-z0-9_]*)\.([a-z]+)(?:\.(up|down)\.sql|\.ts)$/;
const ENGINES: readonly Engine[] = ['postgres', 'clickhouse', ...MODULE_ENGINES];
const isModuleEngine = (engine: string): engine is ModuleEngine => (MODULE_ENGINES as readonly string[]).includes(engine);

interface Pair {
  name: string;
  up?: string;
  down?: string;
}

interface Found {
  file: string;
  version: number;
  name: string;
  direction?: 'up' | 'down';
}

/**
 * The files of `<root>/<store>/` for one engine, checked: every file must be named like
 * `0001_initial.postgres.up.sql` (SQL engines) or `0001_topic.kafka.ts` (module engines).
 * Files for another engine are left out (graph holds Postgres and ArangoDB migrations).
 * A store without a folder has none.
 */
function filesOf(dir: string, engine: Engine): Found[] {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const found: Found[] = [];
  for (const file of files.sort()) {
    if (isCompiledModule(file, files)) continue;
    const match = FILE_NAME.exec(file);
    if (!match) throw new Error(`${dir}: ${file} is not named like 0001_name.${engine}.${isModuleEngine(engine) ? 'ts' : 'up.sql'}`);
    const [, digits, name, fileEngine, direction] = match as unknown as [string, string, string, string, 'up' | 'down' | undefined];
    if (!(ENGINES as readonly string[]).includes(fileEngine)) throw new Error(`${dir}: ${file} names an unknown engine ${fileEngine}`);
    if (isModuleEngine(fileEngine) === (direction !== undefined)) {
      throw new Error(`${dir}: ${file}: ${fileEngine} migrations are ${isModuleEngine(fileEngine) ? '.ts modules' : '.up.sql and .down.sql files'}`);
    }
    if (fileEngine === engine) found.push({ file, version: Number(digits), name, direction });
  }
  return found;
}

/**
 * `0001_ticks_topic.kafka.js` beside its `.ts`: the module compiled with the gateway (the image
 * runs JavaScript only), imported in its place; the `.ts` stays the migration's identity.
 */
function isCompiledModule(file: string, files: readonly string[]): boolean {
  return file.endsWith('.js') && files.includes(`${file.slice(0, -3)}.ts`);
}

/** Versions must run 1, 2, 3… without gaps. */
function checkSequence(dir: string, versions: readonly number[]): void {
  versions.forEach((version, index) => {
    if (version !== index + 1) throw new Error(`${dir}: version ${index + 1} is missing (found ${version} next)`);
  });
}

/**
 * The SQL migrations of one store for one engine, by version: every version must have an up
 * and a down file, and versions must run 1, 2, 3… without gaps or duplicates.
 */
export function loadMigrations(store: string, engine: Engine, root: string = MIGRATIONS_ROOT): Migration[] {
  if (isModuleEngine(engine)) throw new Error(`${engine} migrations are modules: load them with loadModuleMigrations`);
  const dir = join(root, store);
  const pairs = new Map<number, Pair>();
  for (const { file, version, name, direction } of filesOf(dir, engine)) {
    const pair = pairs.get(version) ?? { name };
    if (pair.name !== name) throw new Error(`${dir}: version ${String(version).padStart(4, '0')} is used twice (${pair.name} and ${name})`);
    pair[direction!] = readFileSync(join(dir, file), 'utf8');
    pairs.set(version, pair);
  }
  const versions = [...pairs.keys()].sort((a, b) => a - b);
  checkSequence(dir, versions);
  return versions.map((version) => {
    const { name, up, down } = pairs.get(version)!;
    const label = `${dir}/${String(version).padStart(4, '0')}_${name}.${engine}`;
    if (up === undefined || down === undefined) throw new Error(`${label}: needs both .up.sql and .down.sql`);
    return {
      store,
      engine: engine satisfies SqlEngine,
      version,
      name,
      checksum: createHash('sha256').update(up).update('\n').update(down).digest('hex'),
      destructive: { up: isDestructive(up), down: isDestructive(down) },
      up,
      down,
    };
  });
}

/**
 * The module migrations of one store for one engine (`0001_ticks_topic.kafka.ts`), by version,
 * imported: each must export `up` and `down` functions, and may export `destructive`
 * (`{ up: false, down: true }`; neither direction when absent). The checksum is the sha256 of
 * the module's text, so an edit to an applied module shows as changed, like an edited SQL file.
 * In a source checkout the `.ts` is imported (the CLI runs under tsx, the tests under vitest);
 * in the compiled build, which has no TypeScript loader, its compiled `.js` beside it. The
 * checksum is always the `.ts` text, so the ledger agrees whichever of the two ran.
 */
export async function loadModuleMigrations<Ctx>(store: string, engine: ModuleEngine, root: string = MIGRATIONS_ROOT): Promise<ModuleMigration<Ctx>[]> {
  const dir = join(root, store);
  const found = filesOf(dir, engine).sort((a, b) => a.version - b.version);
  found.forEach((f, i) => {
    if (i > 0 && found[i - 1]!.version === f.version) throw new Error(`${dir}: version ${f.file.slice(0, 4)} is used twice (${found[i - 1]!.name} and ${f.name})`);
  });
  checkSequence(dir, found.map((f) => f.version));
  return Promise.all(
    found.map(async ({ file, version, name }) => {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const compiled = path.replace(/\.ts$/, '.js');
      const steps = (await import(pathToFileURL(existsSync(compiled) ? compiled : path).href)) as Partial<MigrationModule<Ctx>>;
      if (typeof steps.up !== 'function' || typeof steps.down !== 'function') throw new Error(`${path}: must export up(ctx) and down(ctx)`);
      const destructive = { up: steps.destructive?.up === true, down: steps.destructive?.down === true };
      return { store, engine, version, name, checksum: createHash('sha256').update(text).digest('hex'), destructive, up: text, down: text, steps: steps as MigrationModule<Ctx> };
    }),
  );
}
