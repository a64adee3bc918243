import { readConfig } from '../config.js';
import {
  MIGRATED_STORES,
  createMigration,
  migrateDown,
  migrateUp,
  migrationStatus,
  migrationTargets,
  type MigrationProgress,
  type MigrationTarget,
} from '../migrations/index.js';
import { closeStores, createStores, serverStores, STORE_NAMES, type StoreName } from '../stores/stores.js';
import { UsageError, type Command } from './args.js';

const SUBCOMMANDS = ['status', 'up', 'down', 'create'] as const;

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'show, apply, roll back or create schema migrations, store by store',
  usage: [
    'marketgraph migrate status',
    '       marketgraph migrate up [--store S] [--to V] [--allow-data-loss]',
    '       marketgraph migrate down [--store S] --to V [--allow-data-loss]',
    '       marketgraph migrate create <store> <name>',
  ].join('\n'),
  options: { store: { type: 'string' }, to: { type: 'string' }, 'allow-data-loss': { type: 'boolean' } },
  async run(values, positionals) {
    const [sub, ...args] = positionals;
    if (!SUBCOMMANDS.includes(sub as never)) throw new UsageError(`expected one of ${SUBCOMMANDS.join(', ')}; got ${sub ?? 'nothing'}`);
    const store = values.store === undefined ? undefined : storeName(String(values.store));
    const to = values.to === undefined ? undefined : version(String(values.to));
    if (sub === 'create') return create(args);
    if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
    if (sub === 'down' && to === undefined) throw new UsageError('migrate down needs --to V (0 rolls back everything)');
    return withTargets(store, async (targets) => {
      if (sub === 'status') return status(targets);
      const options = { store, to, allowDataLoss: values['allow-data-loss'] === true, onProgress: showProgress };
      const steps = sub === 'up' ? await migrateUp(targets, options) : await migrateDown(targets, { ...options, to: to! });
      console.log(steps.length === 0 ? 'Nothing to do.' : `${steps.length} migration(s) ${sub === 'up' ? 'applied' : 'rolled back'}.`);
      return 0;
    });
  },
};

function storeName(value: string): StoreName {
  if (!(MIGRATED_STORES as readonly string[]).includes(value))
    throw new UsageError(`--store must be one of ${MIGRATED_STORES.join(', ')}; got "${value}"`);
  return value as StoreName;
}

function version(value: string): number {
  if (!/^\d{1,6}$/.test(value)) throw new UsageError(`--to must be a version number such as 1; got "${value}"`);
  return Number(value);
}

function create(args: string[]): number {
  const [store, name, ...rest] = args;
  if (!store || !name || rest.length > 0) throw new UsageError('migrate create needs <store> <name>');
  const target = storeName(store);
  if (target !== 'relational' && target !== 'ticks' && target !== 'graph' && target !== 'vector')
    throw new UsageError(`migrate create writes SQL migrations (relational, ticks, graph, vector); write a module for ${target} by hand`);
  const engine = target === 'ticks' ? 'clickhouse' : 'postgres';
  if (!/^[a-z0-9_]{1,60}$/.test(name)) throw new UsageError(`<name> must be lower-case letters, digits and _; got "${name}"`);
  const files = createMigration(store, name, engine);
  console.log(`created ${files.up}\ncreated ${files.down}`);
  return 0;
}

/** Starts the configured stores (without migrating them) and hands their migration targets to `work`. */
async function withTargets(only: StoreName | undefined, work: (targets: MigrationTarget[]) => Promise<number>) {
  const config = readConfig();
  const stores = await createStores(config);
  const servers = serverStores(config);
  // The relational store holds the lock that serialises migrations of server stores.
  const needed = new Set<StoreName>(['relational', ...(only ? [only] : MIGRATED_STORES)]);
  try {
    for (const name of STORE_NAMES.filter((n) => needed.has(n))) await stores[name].start();
    return await work(await migrationTargets(stores, { servers, names: only ? [only] : MIGRATED_STORES }));
  } finally {
    await closeStores(stores).catch(() => undefined);
  }
}

async function status(targets: MigrationTarget[]): Promise<number> {
  const rows = await migrationStatus(targets);
  if (rows.length === 0) console.log('No migrations.');
  for (const r of rows) {
    const destructive = [r.destructive.up && 'up drops data', r.destructive.down && 'down drops data'].filter(Boolean).join(', ');
    const applied = r.appliedAt ? ` ${r.appliedAt.toISOString()}` : '';
    console.log(`${r.store.padEnd(10)} ${String(r.version).padStart(4, '0')} ${r.name.padEnd(24)} ${r.state.padEnd(12)}${applied}${destructive ? `  (${destructive})` : ''}`);
  }
  return rows.some((r) => r.state === 'changed' || r.state === 'missing-file') ? 1 : 0;
}

function showProgress(event: MigrationProgress): void {
  if (event.phase === 'start') process.stderr.write(`${event.direction === 'up' ? 'applying' : 'rolling back'} ${event.store} ${event.version} ${event.name} … `);
  else process.stderr.write(`${event.phase}\n`);
}
