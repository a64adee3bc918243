import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigration } from '../../src/migrations/create-migration.js';
import { loadMigrations, MIGRATIONS_ROOT } from '../../src/migrations/load-migrations.js';
import { MigrationError } from '../../src/migrations/migration.js';
import { postgresTarget } from '../../src/migrations/postgres-target.js';
import { migrateDown, migrateUp, migrationStatus } from '../../src/migrations/run-migrations.js';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';
import { testPool, urlInSchema } from '../helpers/postgres-schema.js';

interface Database {
  /** A client on an empty schema of its own. */
  client: () => Promise<SqlClient>;
  done: () => Promise<void>;
}

const run = Math.random().toString(36).slice(2, 8);
const roots: string[] = [];
afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

/** A copy of the project's migrations in a temp dir, to change files in. */
function copyOfMigrations(): string {
  const root = mkdtempSync(join(tmpdir(), 'marketgraph-migrations-'));
  roots.push(root);
  cpSync(MIGRATIONS_ROOT, root, { recursive: true });
  return root;
}

/** Columns, types and indexes of the current schema: what up, down, up must give back. */
async function catalog(db: SqlClient): Promise<unknown[]> {
  const columns = await db.query(
    `SELECT table_name, column_name, data_type, is_nullable, column_default, ordinal_position FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name <> 'marketgraph_migrations' ORDER BY table_name, ordinal_position`,
  );
  const indexes = await db.query(
    `SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> 'marketgraph_migrations' ORDER BY indexname`,
  );
  return [...columns.rows, ...indexes.rows];
}

function migrationSuite(name: string, database: () => Database) {
  describe(`Postgres migrations: ${name}`, () => {
    let db: Database;
    let client: SqlClient;
    const targets = (root?: string, c = client) => [
      postgresTarget('relational', c, { root }),
      postgresTarget('graph', c, { root }),
    ];
    beforeAll(async () => {
      db = database();
      client = await db.client();
    });
    afterAll(async () => {
      await client?.close();
      await db?.done();
    });

    it('reports every migration pending on an empty database', async () => {
      const rows = await migrationStatus(targets());
      expect(rows.map((r) => [r.store, r.version, r.state])).toEqual([
        ['relational', 1, 'pending'],
        ['relational', 2, 'pending'],
        ['graph', 1, 'pending'],
      ]);
      expect(rows[0]!.destructive).toEqual({ up: false, down: true });
    });

    it('applies all of them and records their checksums', async () => {
      const made = await migrateUp(targets());
      expect(made.map((s) => `${s.store} ${s.version} ${s.direction}`)).toEqual(['relational 1 up', 'relational 2 up', 'graph 1 up']);
      const { rows } = await client.query<{ store: string; version: number; checksum: string }>(
        'SELECT store, version, checksum FROM marketgraph_migrations ORDER BY store, version',
      );
      const checksum = (store: string, version: number) => loadMigrations(store, 'postgres')[version - 1]!.checksum;
      expect(rows).toEqual([
        { store: 'graph', version: 1, checksum: checksum('graph', 1) },
        { store: 'relational', version: 1, checksum: checksum('relational', 1) },
        { store: 'relational', version: 2, checksum: checksum('relational', 2) },
      ]);
      expect((await migrationStatus(targets())).every((r) => r.state === 'applied' && r.appliedAt instanceof Date)).toBe(true);
      expect(await migrateUp(targets())).toEqual([]);
    });

    it('refuses a destructive down without allowDataLoss, and changes nothing', async () => {
      await expect(migrateDown(targets(), { to: 0 })).rejects.toThrow(/relational 0002_api_keys down can lose data/);
      expect((await migrationStatus(targets())).map((r) => r.state)).toEqual(['applied', 'applied', 'applied']);
    });

    it('gives back the same schema after down to 0 and up again', async () => {
      const before = await catalog(client);
      expect(before.length).toBeGreaterThan(20);
      const down = await migrateDown(targets(), { to: 0, allowDataLoss: true });
      expect(down.map((s) => `${s.store} ${s.version} ${s.direction}`)).toEqual(['relational 2 down', 'relational 1 down', 'graph 1 down']);
      expect(await catalog(client)).toEqual([]);
      expect((await migrationStatus(targets())).map((r) => r.state)).toEqual(['pending', 'pending', 'pending']);
      await migrateUp(targets());
      expect(await catalog(client)).toEqual(before);
    });

    it('reports a migration whose file changed as changed, and will not migrate up', async () => {
      const root = copyOfMigrations();
      writeFileSync(join(root, 'relational', '0001_initial.postgres.up.sql'), '-- edited\n', { flag: 'a' });
      const rows = await migrationStatus(targets(root));
      expect(rows.find((r) => r.store === 'relational')?.state).toBe('changed');
      await expect(migrateUp(targets(root))).rejects.toThrow(/relational: applied migrations do not match their files: 0001_initial \(changed\)/);
    });

    it('reports the version of a failing migration and leaves no trace of it', async () => {
      const root = copyOfMigrations();
      const paths = createMigration('relational', 'broken', 'postgres', root);
      expect(paths.up).toMatch(/0003_broken\.postgres\.up\.sql$/);
      writeFileSync(paths.up, 'CREATE TABLE half_done (id int);\nALTER TABLE no_such_table ADD COLUMN x int;\n');
      const error = await migrateUp([postgresTarget('relational', client, { root })]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MigrationError);
      expect(error).toMatchObject({ store: 'relational', version: 3 });
      expect((error as Error).message).toMatch(/relational 0003_broken up failed/);
      const { rows } = await client.query<{ t: string | null }>(`SELECT to_regclass('half_done')::text AS t`);
      expect(rows[0]?.t).toBeNull();
      const ledger = await client.query<{ version: number }>(`SELECT version FROM marketgraph_migrations WHERE store = 'relational' ORDER BY version`);
      expect(ledger.rows).toEqual([{ version: 1 }, { version: 2 }]);
    });

    it('applies each migration once when two runs go at once', async () => {
      await migrateDown(targets(), { to: 0, allowDataLoss: true });
      const other = await db.client();
      try {
        const [a, b] = await Promise.all([migrateUp(targets(undefined, client)), migrateUp(targets(undefined, other))]);
        expect(a.length + b.length).toBe(3);
        const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM marketgraph_migrations');
        expect(rows[0]?.n).toBe(3);
      } finally {
        if (other !== client) await other.close();
      }
    });
  });
}

// PGlite is one connection: both "runs" share it, and its transactions serialise them.
migrationSuite('PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'marketgraph-pglite-migrations-'));
  let shared: Promise<SqlClient> | undefined;
  return {
    client: async () => {
      const c = await (shared ??= openPglite(dir));
      // The suite closes what it gets; the shared instance is closed in done().
      return { ...c, close: async () => {} };
    },
    done: async () => {
      if (shared) await (await shared).close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

const postgresUrl = process.env.POSTGRES_URL;
describe.skipIf(!postgresUrl)(`PostgreSQL server${postgresUrl ? '' : ' (POSTGRES_URL not set)'}`, () => {
  // A schema of its own: down to 0 must not drop the tables other tests use.
  const schema = `mg_migrations_${run}`;
  const inSchema = urlInSchema(postgresUrl!, schema);
  const pool = testPool;
  migrationSuite('PostgreSQL', () => ({
    client: async () => {
      const admin = await pool(postgresUrl!);
      await admin.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await admin.close();
      return pool(inSchema);
    },
    done: async () => {
      const admin = await pool(postgresUrl!);
      await admin.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.close();
    },
  }));
});

describe('migration files', () => {
  it('fails clearly on a gap in the versions', () => {
    const root = copyOfMigrations();
    writeFileSync(join(root, 'graph', '0003_later.postgres.up.sql'), '');
    writeFileSync(join(root, 'graph', '0003_later.postgres.down.sql'), '');
    expect(() => loadMigrations('graph', 'postgres', root)).toThrow(/version 2 is missing/);
  });

  it('fails clearly on a version used twice, or a name that does not fit', () => {
    const root = copyOfMigrations();
    writeFileSync(join(root, 'graph', '0001_other.postgres.up.sql'), '');
    expect(() => loadMigrations('graph', 'postgres', root)).toThrow(/version 0001 is used twice/);
    const bad = copyOfMigrations();
    writeFileSync(join(bad, 'graph', 'notes.txt'), '');
    expect(() => loadMigrations('graph', 'postgres', bad)).toThrow(/notes\.txt is not named like/);
  });

  it('fails clearly on a version without its down file', () => {
    const root = copyOfMigrations();
    writeFileSync(join(root, 'graph', '0002_one_way.postgres.up.sql'), '');
    expect(() => loadMigrations('graph', 'postgres', root)).toThrow(/0002_one_way\.postgres: needs both/);
  });

  it('counts DROP in a comment as harmless, and DROP COLUMN or TRUNCATE as destructive', () => {
    const root = copyOfMigrations();
    const paths = createMigration('graph', 'tidy', 'postgres', root);
    writeFileSync(paths.up, '-- DROP TABLE graph_instruments would lose data\nALTER TABLE graph_instruments DROP COLUMN sector;\n');
    writeFileSync(paths.down, '/* TRUNCATE */ ALTER TABLE graph_instruments ADD COLUMN sector text;\n');
    expect(loadMigrations('graph', 'postgres', root)[1]!.destructive).toEqual({ up: true, down: false });
  });
});
