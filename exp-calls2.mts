import { spawnGateway } from './test/helpers/process-gateway.js';
import { gatewayEnv, graphqlClient, metricsText, summarize } from './bench/harness.js';
const gw = await spawnGateway(gatewayEnv({ SEED_DEMO_DATA: 'false', NODE_ENV: 'production' }), 120_000);
await gw.gql(`mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`, { i: Array.from({length: 50}, (_, k) => ({ symbol: 'Q' + String(k).padStart(2, '0'), assetClass: 'X', baseCurrency: 'Q', quoteCurrency: 'USD', digits: 5 })) });
const client = graphqlClient(gw.url);
for (const q of ['{ instruments(first: 50) { edges { node { symbol } } } }', '{ __typename }']) {
const body = JSON.stringify({ query: q });
for (let i=0;i<200;i++) await client.post(body);
const s: number[] = [];
for (let i=0;i<1000;i++) s.push((await client.post(body)).ms);
const r = summarize(s); console.log(q, 'p50', r.p50.toFixed(2), 'p99', r.p99.toFixed(2));
}
const m = await metricsText(gw.url);
console.log(m.split('\n').filter(l => l.includes('listInstruments') && (l.includes('_sum') || l.includes('_count'))).join('\n'));
console.log(m.split('\n').filter(l => /http_request_duration|graphql.*duration/.test(l) && (l.includes('_sum') || l.includes('_count'))).join('\n'));
client.close(); await gw.stop();
