import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNativeSpool } from '../../src/stores/ticks/chdb-tick-store.js';
import { inMemoryTmp } from '../../src/stores/ticks/in-memory-tmp.js';

describe('Native insert spool', () => {
  let base: string;
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("removes what a killed process left behind, and keeps a running process's directory", async () => {
    base = mkdtempSync(join(tmpdir(), 'marketgraph-spool-test-'));
    const exited = spawnSync(process.execPath, ['-e', '']).pid!; // a process id that no longer runs
    const orphan = join(base, `marketgraph-chdb-${exited}-abc123`);
    const live = join(base, `marketgraph-chdb-${process.ppid}-def456`);
    const unrelated = join(base, 'something-else');
    for (const dir of [orphan, live, unrelated]) {
      mkdirSync(dir);
      writeFileSync(join(dir, '1.native'), 'left behind');
    }

    const spool = createNativeSpool(base);
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);

    const file = await spool.put(Buffer.from('body'));
    expect(file).toContain(`marketgraph-chdb-${process.pid}-`);
    expect(await spool.put(Buffer.from('body'))).not.toBe(file);
    spool.remove();
    expect(readdirSync(base).sort()).toEqual([live, unrelated].map((d) => d.slice(base.length + 1)).sort());
  });

  it('holds each body in a file of its own until it is discarded, on the disk', async () => {
    base = mkdtempSync(join(tmpdir(), 'marketgraph-spool-test-'));
    const spool = createNativeSpool(base);
    const [a, b] = await Promise.all([spool.put(Buffer.from('first')), spool.put(Buffer.from('second'))]);
    expect([readFileSync(a!, 'utf8'), readFileSync(b!, 'utf8')]).toEqual(['first', 'second']);
    await spool.discard(a!);
    expect(existsSync(a!)).toBe(false);
    expect(readFileSync(b!, 'utf8')).toBe('second');
    spool.remove();
  });

  // In memory the body is written before put() returns (no trip through libuv's threads, which
  // waits for the JavaScript thread between requests): the insert can start at once.
  it.runIf(inMemoryTmp())('writes a body in memory before put() returns, and deletes it before discard() returns', async () => {
    const spool = createNativeSpool();
    base = dirname(await spool.put(Buffer.from('warm'))); // the spool's own directory, for afterEach
    const pending = spool.put(Buffer.from('body'));
    const file = join(base, '2.native');
    expect(readFileSync(file, 'utf8')).toBe('body');
    expect(await pending).toBe(file);
    void spool.discard(file);
    expect(existsSync(file)).toBe(false);
    spool.remove();
  });
});
