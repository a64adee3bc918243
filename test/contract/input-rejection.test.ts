import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseError } from '@clickhouse/client';
import { Session } from 'chdb';
import { afterAll, describe, expect, it } from 'vitest';
import { isInputRejection, RefusedInput } from '../../src/stores/input-rejection.js';
import { createStoreGuard } from '../../src/stores/resilience.js';
import { openPgPool } from '../../src/stores/relational/pg-client.js';
import { openPglite } from '../../src/stores/relational/pglite-client.js';
import type { SqlClient } from '../../src/stores/relational/sql-client.js';

/** The engine's own error for `run`, as its driver throws it. */
async function errorOf(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('the engine accepted it');
}

function postgresClassification(name: string, open: () => Promise<SqlClient>) {
  describe(name, () => {
    let client: SqlClient;
    afterAll(() => client?.close());

    it.each([
      ['a NUL in text (22021)', `SELECT $1::text`, ['a\u0000b']],
      ['text that is not a number (22P02)', `SELECT $1::int`, ['twelve']],
      ['a number out of range (22003)', `SELECT $1::smallint`, [70_000]],
    ])('classifies %s as the client’s', async (_, sql, params) => {
      client ??= await open();
      expect(isInputRejection(await errorOf(() => client.query(sql, params)))).toBe(true);
    });

    it('classifies a statement of ours that the engine refuses (unknown table) as the store’s', async () => {
      client ??= await open();
      expect(isInputRejection(await errorOf(() => client.query('SELECT * FROM no_such_table')))).toBe(false);
    });
  });
}

const pgliteDir = mkdtempSync(join(tmpdir(), 'marketgraph-refused-'));
afterAll(() => rmSync(pgliteDir, { recursive: true, force: true }));
postgresClassification('PGlite (embedded)', () => openPglite(join(pgliteDir, 'pglite')));

const postgresUrl = process.env.POSTGRES_URL;
describe.skipIf(!postgresUrl)(`PostgreSQL server${postgresUrl ? '' : ' (POSTGRES_URL not set)'}`, () => {
  postgresClassification('pg pool', () => openPgPool({ url: postgresUrl!, poolSize: 1, statementTimeoutMs: 5_000, connectTimeoutMs: 5_000 }));

  it('classifies a server that cannot be reached as the store’s', async () => {
    const pool = await openPgPool({ url: 'postgres://x:y@127.0.0.1:1/none', poolSize: 1, statementTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
    expect(isInputRejection(await errorOf(() => pool.query('SELECT 1')))).toBe(false);
    await pool.close();
  });
});

describe('chDB (embedded ClickHouse)', () => {
  const session = new Session(join(pgliteDir, 'chdb'));
  afterAll(() => session.close());

  it.each([
    ['a time that does not parse (41)', 'SELECT {t:DateTime64(3)}', { t: 'yesterday' }],
    ['a number that does not parse (6)', 'SELECT toDecimal32({a:String}, 2)', { a: 'zz' }],
  ])('classifies %s as the client’s', async (_, sql, params) => {
    expect(isInputRejection(await errorOf(() => session.queryBindAsync(sql, params)))).toBe(true);
  });

  it('classifies a statement of ours that the engine refuses (unknown function) as the store’s', async () => {
    expect(isInputRejection(await errorOf(() => session.queryBindAsync('SELECT no_such_function(1)', {})))).toBe(false);
  });
});

describe('ClickHouse server (@clickhouse/client error)', () => {
  it('classifies a value the server could not parse as the client’s, a memory limit as the store’s', () => {
    expect(isInputRejection(new ClickHouseError({ message: 'Cannot parse DateTime', code: '41', type: 'CANNOT_PARSE_DATETIME' }))).toBe(true);
    expect(isInputRejection(new ClickHouseError({ message: 'Memory limit exceeded', code: '241', type: 'MEMORY_LIMIT_EXCEEDED' }))).toBe(false);
  });
});

describe('a store guard', () => {
  const options = { timeoutMs: 1_000, breakerFailures: 2, halfOpenAfterMs: 60_000 };

  it('stays closed after many values refused in a row, and passes each refusal to the caller', async () => {
    const guard = createStoreGuard(options);
    for (let i = 0; i < 10; i++) {
      await expect(guard.read(() => Promise.reject(new RefusedInput('a zero vector')))).rejects.toBeInstanceOf(RefusedInput);
    }
    expect(guard.state).toBe('closed');
  });

  it('does not retry a read whose value was refused', async () => {
    const guard = createStoreGuard(options);
    let calls = 0;
    await expect(guard.read(() => (calls++, Promise.reject(new RefusedInput('k must be a non-negative integer'))))).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it('still opens on failures of the store', async () => {
    const guard = createStoreGuard(options);
    for (let i = 0; i < 2; i++) await expect(guard.write(() => Promise.reject(new Error('ECONNRESET')))).rejects.toThrow();
    expect(guard.state).toBe('open');
  });
});
