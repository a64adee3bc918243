import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { inMemoryTmp } from './in-memory-tmp.js';
import type { TickStore } from './tick-store.js';
import { TICK_COLUMNS, TICKS_TABLE, type Sql } from './ticks-sql.js';
import { tickReads } from './tick-queries.js';
import { rowBinaryToNative } from './row-binary-ticks.js';
import { ticksToNative, ticksToTabSeparated } from './tick-rows.js';

// From this many rows an insert goes in Native format through a file; below, TabSeparated through
// chDB's insert call, whose fixed cost is lower. Wall time per insert on chDB alone, TabSeparated
// against Native: 500 rows 4.2 against 4.7 to 8.6 ms, 2,000 rows 7.4 to 7.8 against 7.0 to 8.2 ms,
// 4,000 rows 11.3 to 12.3 against 6.8 to 8.3 ms, 8,000 rows 20.3 against 11.2 ms.
export const NATIVE_FROM_ROWS = 2_000;
// A Native body's memory kept for the next insert, at most (a group of 500,000 ticks is ~32 MB).
const KEPT_NATIVE_BYTES = 32 * 2 ** 20; // 32 MiB

/**
 * Ticks in ClickHouse's own engine, in-process (chDB). Queries run off the event loop
 * (`queryBindAsync`), so a long candle query does not stall other requests.
 */
export function createChdbTickStore(dataDir: string): TickStore {
  let session: Session | undefined;
  let spool: NativeSpool | undefined;
  // The last Native body's memory, taken by the next insert: a new Buffer per insert made V8 run
  // full collections for "external memory pressure" (body-buffers.ts). An insert that starts
  // while another holds it takes new memory.
  let nativeMemory: Buffer | undefined;
  const keepNativeMemory = (body: Buffer) => {
    const memory = body.buffer;
    if (memory.byteLength <= KEPT_NATIVE_BYTES && memory.byteLength > (nativeMemory?.length ?? 0)) nativeMemory = Buffer.from(memory);
  };

  /** Inserts a Native body `encode` writes, in the memory the last one left when it is large enough. */
  async function insertInNative(encode: (memory: Buffer | undefined) => Buffer): Promise<void> {
    const memory = nativeMemory;
    nativeMemory = undefined;
    let body: Buffer;
    try {
      body = encode(memory);
    } catch (error) {
      nativeMemory ??= memory; // a refused body (rowBinaryToNative) leaves the memory for the next
      throw error;
    }
    try {
      await insertNative(open(), spool!, body);
    } finally {
      keepNativeMemory(body);
    }
  }

  function open(): Session {
    if (!session) throw new Error('chdb tick store is not started');
    return session;
  }

  async function rows<T>(sql: Sql): Promise<T[]> {
    const result = await open().queryBindAsync(sql.query, sql.params, { format: 'JSONEachRow' });
    const text = result.text();
    return text ? text.trimEnd().split('\n').map((line) => JSON.parse(line) as T) : [];
  }

  return {
    engine: `chdb ${dataDir}`,
    async start() {
      mkdirSync(dataDir, { recursive: true });
      // The table comes from migrations/ticks (src/migrations), applied before the store is used.
      session = new Session(dataDir);
      spool = createNativeSpool();
    },
    clickhouseSql: () => ({
      async command(sql, params = {}) {
        await open().queryBindAsync(sql, params);
      },
      query: (sql, params = {}) => rows({ query: sql, params }),
    }),
    async ping() {
      await open().queryAsync('SELECT 1');
    },
    async close() {
      session?.close();
      session = undefined;
      spool?.remove();
      spool = undefined;
    },
    async insert(ticks) {
      if (ticks.length === 0) return;
      if (ticks.length >= NATIVE_FROM_ROWS) await insertInNative((memory) => ticksToNative(ticks, memory));
      else await open().insert({ table: TICKS_TABLE, columns: TICK_COLUMNS, values: ticksToTabSeparated(ticks), format: 'TabSeparated' });
    },
    async insertRowBinary(parts) {
      if (parts.length > 0) await insertInNative((memory) => rowBinaryToNative(parts, memory));
    },
    ...tickReads(rows),
  };
}

/**
 * Where Native insert bodies wait for chDB to read them: a private directory in memory
 * (/dev/shm) where there is one, else in the system's temporary directory. Its name carries
 * the process id, so that a later process can remove what a killed one left behind.
 *
 * In memory, a body is written and deleted on the JavaScript thread: it is a copy into memory
 * (0.5 ms for a group of 20,000 ticks), where an asynchronous write took five trips through
 * libuv's threads, each waiting for the JavaScript thread to be free between the requests it
 * parses: 6 to 14 ms that every group commit waited before its insert could start.
 */
export interface NativeSpool {
  /** Writes a body to a file of its own, for one insert; returns the file's path. */
  put(body: Buffer): Promise<string>;
  /** Deletes a file `put` returned, once its insert is over. */
  discard(file: string): Promise<void>;
  /** Deletes the directory and what it holds. */
  remove(): void;
}

const SPOOL_PREFIX = 'marketgraph-chdb-';
const SPOOL_OWNER = new RegExp(`^${SPOOL_PREFIX}(\\d+)-`); // the process id in a spool's name

export function createNativeSpool(base?: string): NativeSpool {
  const memory = inMemoryTmp();
  base ??= memory ?? tmpdir();
  removeOrphanSpools(base);
  const dir = mkdtempSync(join(base, `${SPOOL_PREFIX}${process.pid}-`));
  const inMemory = base === memory;
  let files = 0;
  return {
    async put(body) {
      const file = join(dir, `${++files}.native`);
      if (inMemory) writeFileSync(file, body);
      else await writeFile(file, body);
      return file;
    },
    async discard(file) {
      if (inMemory) rmSync(file, { force: true });
      else await rm(file, { force: true });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Spool directories of processes that no longer run (killed during an insert). */
function removeOrphanSpools(base: string): void {
  for (const name of readdirSync(base)) {
    const pid = Number(SPOOL_OWNER.exec(name)?.[1]);
    if (pid && !isRunning(pid)) rmSync(join(base, name), { recursive: true, force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // runs, as another user
  }
}

const INSERT_NATIVE = `INSERT INTO ${TICKS_TABLE} (${TICK_COLUMNS.join(', ')})
  SELECT ${TICK_COLUMNS.join(', ')} FROM file({file:String}, 'Native')`;

/**
 * Inserts a body of ticks in ClickHouse's Native format (ticksToNative). chDB's insert call
 * takes text formats only, so the body goes through a file that the query reads (`file()`):
 * the engine copies columns instead of parsing text, which takes 40% less of its CPU per row.
 */
export async function insertNative(session: Session, spool: NativeSpool, body: Buffer): Promise<void> {
  const file = await spool.put(body);
  try {
    await session.queryBindAsync(INSERT_NATIVE, { file });
  } finally {
    await spool.discard(file);
  }
}
