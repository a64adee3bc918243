import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';

/** MT5 tick exports for the import tests, written as MetaTrader writes them (see src/import/mt5-export.ts). */

export const MT5_HEADER = '<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>';

/** "2026.11.27" and "10:00:00.017" for wall-clock milliseconds. */
export function mt5DateTime(wallMs: number): [string, string] {
  const iso = new Date(wallMs).toISOString(); // 2026-11-27T10:00:00.017Z
  return [iso.slice(0, 10).replaceAll('-', '.'), iso.slice(11, 23)];
}

export function writeMt5(path: string, rows: string[][]): void {
  writeFileSync(path, [MT5_HEADER, ...rows.map((r) => r.join('\t'))].join('\r\n') + '\r\n');
}

/**
 * `count` ticks 50 ms apart from `startWall`, every tick distinct; as MT5 writes an FX symbol:
 * LAST and VOLUME empty, and a price that did not change left empty (every third line the bid,
 * every fifth the ask). Streamed to disk: a million lines is about 45 MB.
 */
export async function writeBigMt5(path: string, count: number, startWall: number): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${MT5_HEADER}\r\n`);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    const [date, time] = mt5DateTime(startWall + i * 50);
    const bid = (1.1 + (i % 1000) / 100_000).toFixed(5);
    const ask = (1.1002 + (i % 1000) / 100_000).toFixed(5);
    const sameBid = i % 3 === 1 && i % 1000 !== 0;
    const sameAsk = i % 5 === 1 && i % 1000 !== 0;
    chunk += `${date}\t${time}\t${sameBid ? '' : bid}\t${sameAsk ? '' : ask}\t\t\t${sameBid ? 4 : sameAsk ? 2 : 6}\r\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
