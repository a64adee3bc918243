// Scratch driver (not committed): one gateway, 4 clients × batches, CPU of the gateway process per tick.
import { readFileSync } from 'node:fs';
import { spawnGateway } from '../test/helpers/process-gateway.js';
import { dataOf, gatewayEnv, graphqlClient } from '../bench/harness.js';
const MUTATION = `mutation Insert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }`;
const SYMBOLS = Array.from({ length: 50 }, (_, i) => `S${String(i).padStart(2, '0')}`);
const batch = Number(process.env.BATCH ?? 10000), perClient = Number(process.env.PER_CLIENT ?? 10), CLIENTS = Number(process.env.CLIENTS ?? 4);
let clock = Date.now() - 5 * 86_400_000;
const ticks = (n: number, symbols: string[]) => Array.from({ length: n }, (_, i) => { const bid = 1 + (i % 1000) / 10_000; return { symbol: symbols[i % symbols.length]!, time: clock++, bid, ask: bid + 0.0002, last: null, volume: 1, flags: 6 }; });
const cpuOf = (pid: number) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const env = gatewayEnv({ BODY_LIMIT_BYTES: String(64 * 2 ** 20), SLOW_STORE_OP_MS: '60000' });
const gw = await spawnGateway(env, 60_000, process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/drive/prof'] : []);
try {
  await gw.gql(`mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`, { i: SYMBOLS.map((symbol) => ({ symbol, assetClass: 'FX', baseCurrency: symbol, quoteCurrency: 'USD', digits: 5 })) });
  for (const round of [0, 1]) {
    const base = clock; clock += CLIENTS * perClient * batch + 10;
    const inter = (c: number, k: number) => Array.from({ length: batch }, (_, i) => { const bid = 1 + (i % 1000) / 10_000; return { symbol: 'S00', time: base + (k * batch + i) * CLIENTS + c, bid, ask: bid + 0.0002, last: null, volume: 1, flags: 6 }; });
    const bodies = Array.from({ length: CLIENTS }, (_, c) => Array.from({ length: perClient }, (_, k) => JSON.stringify({ query: MUTATION, variables: { ticks: process.env.SHAPE === 'interleaved' ? inter(c, k) : ticks(batch, SYMBOLS.filter((_, i) => i % CLIENTS === c)) } })));
    const client = graphqlClient(gw.url, CLIENTS);
    const pid = (gw as any).pid ?? (gw as any).child?.pid;
    const c0 = cpuOf(pid); const t0 = performance.now(); let accepted = 0;
    await Promise.all(bodies.map(async (mine) => { for (const b of mine) { const r = dataOf(await client.post(b)).insertTicks; accepted += r.accepted; if (r.accepted !== batch) console.log(JSON.stringify(r).slice(0, 300)); } }));
    const s = (performance.now() - t0) / 1000; const cpu = cpuOf(pid) - c0;
    client.close();
    if (process.env.BENCH_SERVERS) {
      const { Kafka, logLevel } = await import('kafkajs');
      const admin = new Kafka({ clientId: 'drive', brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      const t1 = performance.now();
      for (;;) {
        const high = await admin.fetchTopicOffsets(env.KAFKA_TOPIC!);
        const [c] = await admin.fetchOffsets({ groupId: env.KAFKA_SINK_GROUP!, topics: [env.KAFKA_TOPIC!] });
        const lag = high.reduce((n, h) => n + Number(h.high) - Number(c!.partitions.find((p) => p.partition === h.partition)?.offset ?? 0), 0);
        if (lag <= 0 || performance.now() - t1 > 30_000) { console.log(`sink lag ${lag} records after ${Math.round(performance.now() - t1)} ms`); break; }
        await new Promise((r) => setTimeout(r, 50));
      }
      await admin.disconnect();
    }
    console.log(`round ${round}: ${accepted} ticks in ${s.toFixed(2)} s = ${Math.round(accepted / s)} ticks/s; gateway CPU ${(cpu * 1000 / accepted).toFixed(2)} µs/tick (all threads), ${(cpu / 1000 / s).toFixed(2)} cores`);
  }
} finally { if (process.env.SHOWSINK) console.log(gw.logs.filter((l) => /SINK|error|warn|sink/i.test(l)).slice(-15).join("\n").slice(0, 6000)); await gw.stop(); }
