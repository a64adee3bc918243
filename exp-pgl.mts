import { PGlite } from '@electric-sql/pglite';
import { rmSync } from 'node:fs';
async function run(label: string, dir: string | undefined, opts: any = {}) {
  if (dir) rmSync(dir, { recursive: true, force: true });
  const db = dir ? await PGlite.create(dir, opts) : await PGlite.create(opts);
  await db.exec(`CREATE TABLE instruments (symbol text primary key, asset_class text, description text, digits int); INSERT INTO instruments SELECT 'S'||i, 'FX', 'd', 5 FROM generate_series(1,60) i;`);
  const q = `SELECT symbol, asset_class AS "assetClass", description, digits FROM instruments WHERE ($1::text IS NULL OR symbol > $1) AND ($2::text IS NULL OR asset_class = $2) ORDER BY symbol LIMIT $3`;
  for (let i=0;i<100;i++) await db.query(q, [null, null, 51]);
  const s: number[] = [];
  for (let i=0;i<500;i++) { const t=performance.now(); await db.query(q, [null, null, 51]); s.push(performance.now()-t); }
  s.sort((a,b)=>a-b); console.log(label.padEnd(30), 'p50', s[250]!.toFixed(3), 'p99', s[495]!.toFixed(3));
  const s2: number[] = [];
  for (let i=0;i<500;i++) { const t=performance.now(); await db.query('SELECT 1'); s2.push(performance.now()-t); }
  s2.sort((a,b)=>a-b); console.log(label.padEnd(30), 'SELECT 1 p50', s2[250]!.toFixed(3), 'p99', s2[495]!.toFixed(3));
  await db.close();
}
await run('memory', undefined);
await run('nodefs', '/tmp/exp/pgl1');
await run('nodefs relaxedDurability', '/tmp/exp/pgl2', { relaxedDurability: true });
