import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createNativeSpool } from '../../src/stores/ticks/chdb-tick-store.js';

describe('Native insert spool', () => {
  let base: string;
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("removes what a killed process left behind, and keeps a running process's directory", () => {
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

    const file = spool.file();
    expect(file).toContain(`marketgraph-chdb-${process.pid}-`);
    expect(spool.file()).not.toBe(file);
    spool.remove();
    expect(readdirSync(base).sort()).toEqual([live, unrelated].map((d) => d.slice(base.length + 1)).sort());
  });
});
