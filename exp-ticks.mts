import { spawnGateway } from './test/helpers/process-gateway.js';
import { gatewayEnv, graphqlClient, metricsText, summarize, sleep } from './bench/harness.js';
const gw = await spawnGateway(gatewayEnv({ SEED_DEMO_DATA: 'false', NODE_ENV: 'production', BODY_LIMIT_BYTES: String(64*2**20) }), 120_000, process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/exp/prof2', '--cpu-prof-interval=200'] : []);
await gw.gql(`mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`, { i: [{ symbol: 'QBIG', assetClass: 'X', baseCurrency: 'Q', quoteCurrency: 'USD', digits: 5 }] });
const client = graphqlClient(gw.url);
const end = Date.now() - 5000;
for (let b = 0; b < 10; b++) {
  const t = Array.from({length: 100_000}, (_, k) => ({ symbol: 'QBIG', time: end - 86_400_000 + Math.floor(((b*100_000+k) * 86_400_000) / 1_000_000), bid: 1 + k/1e6, ask: 1.0002 + k/1e6, volume: 1, flags: 6 }));
  await client.data(`mutation($t: [TickInput!]!) { insertTicks(ticks: $t) { accepted } }`, { t });
}
await sleep(5000);
const ops = async () => Object.fromEntries((await metricsText(gw.url)).split('\n').filter(l => l.startsWith('marketgraph_store_operation_duration_seconds_') && l.includes('store="ticks"') && (l.includes('_sum') || l.includes('_count'))).map(l => [l.split('{')[0]!.endsWith('sum') ? 'sum' : 'count', Number(l.split(' ').pop())]).concat([]));
const q = process.argv[2] ?? '{ ticks(symbol: "QBIG", first: 100) { edges { node { time bid ask } } } }';
const body = JSON.stringify({ query: q });
for (let i=0;i<50;i++) await client.post(body);
const m0 = await metricsText(gw.url);
const s: number[] = [];
for (let i=0;i<Number(process.env.N ?? 300);i++) s.push((await client.post(body)).ms);
const m1 = await metricsText(gw.url);
const r = summarize(s); console.log('request p50', r.p50.toFixed(2), 'p99', r.p99.toFixed(2), 'mean', r.mean.toFixed(2));
const grab = (m: string) => m.split('\n').filter(l => l.startsWith('marketgraph_store_operation_duration_seconds_') && l.includes('store="ticks"'));
const pick = (m: string, suffix: string) => grab(m).filter(l => l.includes('_'+suffix+'{')).map(l => [l.match(/operation="([^"]+)"/)![1], Number(l.split(' ').pop())] as const);
const sum0 = new Map(pick(m0,'sum')), sum1 = new Map(pick(m1,'sum')), c0 = new Map(pick(m0,'count')), c1 = new Map(pick(m1,'count'));
for (const [op, v] of sum1) { const n = c1.get(op)! - (c0.get(op) ?? 0); if (n) console.log(op, n, 'calls, mean ms', ((v - (sum0.get(op) ?? 0)) / n * 1000).toFixed(2)); }
client.close(); await gw.stop();

if (process.env.PROF) { const { readdirSync, readFileSync } = await import('node:fs'); const { summarizeProfile } = await import('./bench/profile.js'); const f = readdirSync('/tmp/exp/prof2')[0]!; console.log(summarizeProfile(JSON.parse(readFileSync('/tmp/exp/prof2/' + f, 'utf8')), 40)); }
