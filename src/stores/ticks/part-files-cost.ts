import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// What chDB 26.7 writes for each insert into the ticks table (a compact part), counted with
// strace: a directory, these ten files in it, and a rename once they are written.
const PART_FILES = ['checksums.txt', 'columns.txt', 'columns_substreams.txt', 'count.txt', 'data.bin', 'data.cmrk4', 'default_compression_codec.txt', 'metadata_version.txt', 'primary.cidx', 'serialization.json'];

export interface PartFilesCost {
  /** Elapsed time to write one part's files, ms. */
  wallMs: number;
  /** The kernel's CPU for it, ms (the process's system time: the caller should be otherwise idle). */
  kernelMs: number;
}

/**
 * What the filesystem under `base` charges for writing one part's files (small ones: what this
 * measures is creating them), the mean of `parts`, in a fresh directory removed afterwards. Each
 * insert of the embedded tick store writes one part, so on a disk where creating a file is slow this
 * is a large share of the engine's CPU per insert: on the development machine's virtual disk, 2 to 9
 * ms of kernel CPU a part, against under 0.15 ms in memory (bench/ingest-history.md, "Ninth session").
 */
export function partFilesCost(base: string, parts = 20): PartFilesCost {
  const dir = mkdtempSync(join(base, '.marketgraph-part-files-'));
  const content = Buffer.alloc(100, 0x61);
  try {
    const kernelBefore = process.cpuUsage().system;
    const started = performance.now();
    for (let p = 0; p < parts; p++) {
      const writing = join(dir, `tmp_insert_${p}`);
      mkdirSync(writing);
      for (const file of PART_FILES) writeFileSync(join(writing, file), content);
      renameSync(writing, join(dir, `part_${p}`));
    }
    const wallMs = (performance.now() - started) / parts;
    return { wallMs, kernelMs: (process.cpuUsage().system - kernelBefore) / 1000 / parts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
