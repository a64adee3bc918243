import { spawnGateway } from './test/helpers/process-gateway.js';
import { gatewayEnv, graphqlClient, summarize } from './bench/harness.js';
const gw = await spawnGateway(gatewayEnv({ SEED_DEMO_DATA: 'true', NODE_ENV: process.env.GW_NODE_ENV ?? 'production' }), 120_000);
const client = graphqlClient(gw.url);
const qs: Record<string,string> = {
  typename: '{ __typename }',
  instrumentsOnly: '{ instruments(first: 50) { edges { node { symbol } } } }',
  latest50: '{ instruments(first: 50) { edges { node { symbol latestTick { time bid ask } } } } }',
  ticks100: '{ ticks(symbol: "EURUSD", first: 100) { edges { node { time bid ask } } } }',
};
for (const [name, q] of Object.entries(qs)) {
  const body = JSON.stringify({ query: q });
  const first = await client.post(body); if (name==='latest50') console.log(first.text.slice(0,200));
  for (let i=0;i<50;i++) await client.post(body);
  const s: number[] = [];
  for (let i=0;i<300;i++) s.push((await client.post(body)).ms);
  const r = summarize(s); console.log(name.padEnd(16), 'p50', r.p50.toFixed(2), 'p99', r.p99.toFixed(2), 'min', r.min.toFixed(2));
}
client.close(); await gw.stop();
