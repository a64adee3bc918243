/**
 * Versioned schema changes, store by store (issue 5). A store's migrations are numbered
 * 0001, 0002, … and each can be applied (`up`) and rolled back (`down`). Which ones are
 * applied is recorded in a ledger inside the store itself, so it travels with the data.
 */

export type Direction = 'up' | 'down';

/** Engines whose migrations are SQL files (`.up.sql` and `.down.sql`). */
export type SqlEngine = 'postgres' | 'clickhouse';
/** Engines whose migrations are TypeScript modules exporting `up(ctx)` and `down(ctx)`. */
export type ModuleEngine = 'kafka' | 'weaviate' | 'arangodb' | 'redis';
/** How a migration's steps are written: SQL for a Postgres-backed store or ClickHouse, else a module. */
export type Engine = SqlEngine | ModuleEngine;
export const MODULE_ENGINES: readonly ModuleEngine[] = ['kafka', 'weaviate', 'arangodb', 'redis'];

/**
 * One migration as read from `migrations/<store>/NNNN_<name>.<engine>.{up,down}.sql`, or from
 * a module `NNNN_<name>.<engine>.ts` (Kafka, Weaviate, ArangoDB, the cache). The runner only
 * reads version, name, checksum and destructive; what `up` and `down` mean is the target's
 * business: the SQL of each direction, or for a module its source text (see ModuleMigration).
 */
export interface Migration {
  store: string;
  engine: Engine;
  version: number;
  name: string;
  /** sha256 (hex) of the up file's text, a newline, and the down file's text; of a module, of its text. */
  checksum: string;
  /** Whether a direction can lose data (see isDestructive). */
  destructive: Record<Direction, boolean>;
  up: string;
  down: string;
}

/**
 * What a migration module (`NNNN_<name>.<engine>.ts`) exports: both directions over the
 * engine's context, and which of them can lose data (neither, when not exported).
 */
export interface MigrationModule<Ctx> {
  up(ctx: Ctx): Promise<void>;
  down(ctx: Ctx): Promise<void>;
  destructive?: Record<Direction, boolean>;
}

/** A migration loaded from a module: `up` and `down` hold its text, `steps` what it exports. */
export interface ModuleMigration<Ctx = unknown> extends Migration {
  steps: MigrationModule<Ctx>;
}

/** A row of a store's ledger: a migration that was applied. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  appliedAt: Date;
}

/** Where a store's migrations run and are recorded. */
export interface MigrationTarget {
  readonly store: string;
  readonly engine: Engine;
  /** Every migration known for this store, by version. */
  readonly migrations: readonly Migration[];
  /** The ledger, by version; empty when it does not exist yet. */
  applied(): Promise<AppliedMigration[]>;
  /**
   * Applies one step under the store's migration lock: re-reads the ledger and does nothing
   * (resolves false) when another run already made this step; else runs it and records it.
   */
  apply(migration: Migration, direction: Direction): Promise<boolean>;
}

/** A migration step that failed or was refused, naming the store and version. */
export class MigrationError extends Error {
  constructor(
    message: string,
    readonly store: string,
    readonly version?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

/** `--` line comments and block comments, which may mention DROP without doing it. */
export function stripSqlComments(sql: string): string {
  return sql.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}

// What loses data. `ALTER TABLE t DROP c` (without COLUMN) is valid Postgres that this misses:
// write DROP COLUMN in migrations.
const DESTRUCTIVE = /\b(DROP\s+TABLE|DROP\s+COLUMN|TRUNCATE|DROP\s+DATABASE)\b/i;

/** True when the SQL, outside comments, drops a table, column or database, or truncates. */
export function isDestructive(sql: string): boolean {
  return DESTRUCTIVE.test(stripSqlComments(sql));
}

/** `0001_initial`: how versions are named in messages. */
export const label = (m: { version: number; name: string }): string => `${String(m.version).padStart(4, '0')}_${m.name}`;
