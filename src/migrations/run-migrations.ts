import { MigrationError, label, type Direction, type Engine, type Migration, type MigrationTarget } from './migration.js';

export type MigrationState = 'applied' | 'pending' | 'changed' | 'missing-file';

/** One migration of one store, as `migrationStatus` reports it. */
export interface MigrationStatusRow {
  store: string;
  engine: Engine;
  version: number;
  name: string;
  /**
   * applied: in the ledger with the same checksum; pending: not in the ledger; changed: in the
   * ledger, but its files changed since; missing-file: in the ledger, with no file here.
   */
  state: MigrationState;
  destructive: Record<Direction, boolean>;
  appliedAt?: Date;
}

export interface MigrationStep {
  store: string;
  version: number;
  name: string;
  direction: Direction;
}

/** Reported before and after each step; `skipped` when another run had already made it. */
export type MigrationProgress = MigrationStep & { phase: 'start' | 'done' | 'skipped' };

export interface MigrateOptions {
  /** Only this store's migrations (default: every target's). */
  store?: string;
  /** Needed to apply a step that drops a table, column or database, or truncates (default false). */
  allowDataLoss?: boolean;
  onProgress?: (event: MigrationProgress) => void;
}

/** Every migration of every target, by store and version, with its state. */
export async function migrationStatus(targets: readonly MigrationTarget[]): Promise<MigrationStatusRow[]> {
  const rows: MigrationStatusRow[] = [];
  for (const target of targets) rows.push(...(await statusOf(target)));
  return rows;
}

async function statusOf(target: MigrationTarget): Promise<MigrationStatusRow[]> {
  const ledger = new Map((await target.applied()).map((row) => [row.version, row]));
  const rows: MigrationStatusRow[] = target.migrations.map((m) => {
    const applied = ledger.get(m.version);
    const state = !applied ? 'pending' : applied.checksum === m.checksum ? 'applied' : 'changed';
    return { store: m.store, engine: m.engine, version: m.version, name: m.name, state, destructive: m.destructive, appliedAt: applied?.appliedAt };
  });
  const known = new Set(target.migrations.map((m) => m.version));
  for (const applied of ledger.values()) {
    if (known.has(applied.version)) continue;
    rows.push({
      store: target.store,
      engine: target.engine,
      version: applied.version,
      name: applied.name,
      state: 'missing-file',
      destructive: { up: false, down: false },
      appliedAt: applied.appliedAt,
    });
  }
  return rows.sort((a, b) => a.version - b.version);
}

/**
 * Applies pending migrations, oldest first, up to version `to` (default: all). Refuses, before
 * applying anything to a store, when one of its applied migrations changed or has no file
 * (the database no longer matches the code), or when a step to apply is destructive and
 * `allowDataLoss` is not set. Returns the steps this run made.
 */
export async function migrateUp(
  targets: readonly MigrationTarget[],
  options: MigrateOptions & { to?: number } = {},
): Promise<MigrationStep[]> {
  const { to = Infinity } = options;
  const made: MigrationStep[] = [];
  for (const target of selected(targets, options.store)) {
    const status = await statusOf(target);
    const stale = status.filter((row) => row.state === 'changed' || row.state === 'missing-file');
    if (stale.length > 0) {
      const list = stale.map((row) => `${label(row)} (${row.state})`).join(', ');
      throw new MigrationError(`${target.store}: applied migrations do not match their files: ${list}; resolve before migrating up`, target.store, stale[0]!.version);
    }
    const pending = new Set(status.filter((row) => row.state === 'pending' && row.version <= to).map((row) => row.version));
    const plan = target.migrations.filter((m) => pending.has(m.version));
    made.push(...(await runSteps(target, plan, 'up', options)));
  }
  return made;
}

/**
 * Rolls back every applied migration above version `to`, newest first; `to: 0` leaves the
 * store empty. Refuses when a step to roll back has no file or changed files, or is destructive
 * without `allowDataLoss`. Returns the steps this run made.
 */
export async function migrateDown(targets: readonly MigrationTarget[], options: MigrateOptions & { to: number }): Promise<MigrationStep[]> {
  const { to } = options;
  if (!Number.isInteger(to) || to < 0) throw new RangeError(`migrateDown needs a version to go down to (0 or more), got ${to}`);
  const made: MigrationStep[] = [];
  for (const target of selected(targets, options.store)) {
    const status = (await statusOf(target)).filter((row) => row.state !== 'pending' && row.version > to);
    const stale = status.filter((row) => row.state !== 'applied');
    if (stale.length > 0) {
      const list = stale.map((row) => `${label(row)} (${row.state})`).join(', ');
      throw new MigrationError(`${target.store}: cannot roll back migrations whose files changed or are missing: ${list}`, target.store, stale[0]!.version);
    }
    const rollBack = new Set(status.map((row) => row.version));
    const plan = target.migrations.filter((m) => rollBack.has(m.version)).reverse();
    made.push(...(await runSteps(target, plan, 'down', options)));
  }
  return made;
}

function selected(targets: readonly MigrationTarget[], store: string | undefined): readonly MigrationTarget[] {
  if (store === undefined) return targets;
  const found = targets.filter((t) => t.store === store);
  if (found.length === 0) throw new MigrationError(`no migrations for store "${store}" here (stores: ${targets.map((t) => t.store).join(', ') || 'none'})`, store);
  return found;
}

async function runSteps(target: MigrationTarget, plan: readonly Migration[], direction: Direction, options: MigrateOptions): Promise<MigrationStep[]> {
  // Checked for the whole plan first, so a refusal leaves the store as it was.
  const lossy = options.allowDataLoss ? undefined : plan.find((m) => m.destructive[direction]);
  if (lossy) {
    throw new MigrationError(
      `${target.store} ${label(lossy)} ${direction} can lose data (it drops or truncates); nothing was applied. Run again with --allow-data-loss (allowDataLoss: true) to apply it`,
      target.store,
      lossy.version,
    );
  }
  const made: MigrationStep[] = [];
  for (const m of plan) {
    const step: MigrationStep = { store: target.store, version: m.version, name: m.name, direction };
    options.onProgress?.({ ...step, phase: 'start' });
    let applied: boolean;
    try {
      applied = await target.apply(m, direction);
    } catch (error) {
      if (error instanceof MigrationError) throw error;
      throw new MigrationError(`${target.store} ${label(m)} ${direction} failed: ${(error as Error).message}`, target.store, m.version, { cause: error });
    }
    options.onProgress?.({ ...step, phase: applied ? 'done' : 'skipped' });
    if (applied) made.push(step);
  }
  return made;
}
