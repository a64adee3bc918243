// The migrations API, in one place: what the CLI and the gateway's start-up use.
export type { AppliedMigration, Direction, Engine, Migration, MigrationTarget } from './migration.js';
export { MigrationError, isDestructive } from './migration.js';
export { loadMigrations, MIGRATIONS_ROOT } from './load-migrations.js';
export { createMigration } from './create-migration.js';
export { postgresTarget, withMigrationLock, MIGRATION_LOCK_KEY, type PostgresTargetOptions } from './postgres-target.js';
export { clickhouseTarget, processLock, type ClickHouseTargetOptions, type MigrationLock } from './clickhouse-target.js';
export { migrationTargets, MIGRATED_STORES, MODULE_STORES, SQL_STORES, type TargetOptions } from './targets.js';
export { moduleTarget } from './module-target.js';
export { loadModuleMigrations } from './load-migrations.js';
export { migrateOnStart, type MigrateOnStartOptions } from './migrate-on-start.js';
export {
  migrateDown,
  migrateUp,
  migrationStatus,
  type MigrateOptions,
  type MigrationProgress,
  type MigrationState,
  type MigrationStatusRow,
  type MigrationStep,
} from './run-migrations.js';
