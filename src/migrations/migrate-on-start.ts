import type { Logger } from '../logger.js';
import { STORE_NAMES, type StoreName, type Stores, type StoreStartup } from '../stores/stores.js';
import { label } from './migration.js';
import { migrateUp, migrationStatus, type MigrationProgress } from './run-migrations.js';
import { migrationTargets } from './targets.js';

export interface MigrateOnStartOptions {
  /** The adapters themselves (not the instrumented ports): targets use their clients. */
  stores: Stores;
  servers: ReadonlySet<StoreName>;
  startup: StoreStartup;
  /** Apply pending migrations of server stores too (default false: refuse to start). */
  migrate: boolean;
  logger: Logger;
}

/**
 * Brings the server stores' schemas up to date at start-up, after the stores started
 * (startStores already migrated the embedded ones: this process's own data):
 * - server stores that started: with `migrate`, pending migrations are applied; without, a
 *   pending or changed migration refuses the start, listing them (others may share the server,
 *   so changing its schema is an explicit decision: `--migrate`, MIGRATE_ON_START=true);
 * - with `migrate`, a migration that fails is logged and its store closed (see closeIfFailed);
 * - server stores still being retried: checked the same way when they come up; one with
 *   pending migrations and no `migrate` is logged and closed, so /readyz reports it down and its
 *   fields fail with STORE_UNAVAILABLE until the gateway is restarted with the migrations applied.
 * Resolves, per store, a promise of the store being started and migrated.
 */
export async function migrateOnStart(options: MigrateOnStartOptions): Promise<Record<StoreName, Promise<void>>> {
  const { stores, servers, startup, logger } = options;
  const ready = { ...startup.started };
  const onProgress = (event: MigrationProgress) => {
    if (event.phase !== 'start') logger.info({ ...event }, `migration ${event.phase}`);
  };
  // A store whose schema is not what the code expects is closed: /readyz reports it down and
  // its fields fail with STORE_UNAVAILABLE, rather than it answering pings while every query
  // fails (say, pgvector on a PostgreSQL server without the extension).
  const closeIfFailed = (name: StoreName) => async (error: unknown) => {
    logger.error({ store: name, err: error }, options.migrate ? 'schema migration failed; store closed' : 'store started but its schema is not up to date; store closed');
    await stores[name].close();
    throw error;
  };
  // Every ledger but ClickHouse's and the Postgres stores' own lives in the relational store's
  // PostgreSQL, whose advisory lock also serialises ClickHouse migrations: while it is being
  // retried, the other stores are brought up when it comes back, not refused or closed now.
  const waiting = new Set(startup.retrying.has('relational') ? [...servers] : startup.retrying);
  for (const name of STORE_NAMES.filter((n) => servers.has(n) && !waiting.has(n))) {
    // Pending migrations without `migrate` refuse the start; a migration that fails (say, an
    // extension the server lacks) is logged and does not stop the gateway.
    if (!options.migrate) await bringUp(options, name, onProgress);
    else {
      ready[name] = bringUp(options, name, onProgress).catch(closeIfFailed(name));
      await ready[name].catch(() => undefined);
    }
  }
  for (const name of waiting) {
    ready[name] = Promise.all([startup.started.relational, startup.started[name]]).then(() =>
      bringUp(options, name, onProgress).catch(closeIfFailed(name)),
    );
    ready[name].catch(() => undefined);
  }
  return ready;
}

async function bringUp(options: MigrateOnStartOptions, name: StoreName, onProgress: (event: MigrationProgress) => void): Promise<void> {
  const targets = await migrationTargets(options.stores, { servers: options.servers, names: [name] });
  if (options.migrate) {
    await migrateUp(targets, { onProgress });
    return;
  }
  const waiting = (await migrationStatus(targets)).filter((row) => row.state !== 'applied');
  if (waiting.length > 0) {
    const list = waiting.map((row) => `${row.store} ${label(row)} (${row.state})`).join(', ');
    throw new Error(`schema migrations are not applied: ${list}. Apply them (start with --migrate or MIGRATE_ON_START=true)`);
  }
}
