import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSERT, UPSERT, instrument } from '../helpers/fixtures.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw.destroy());

/** Makes a store's ping fail until the returned function is called. */
function failPing(port: { ping(): Promise<void> }): () => void {
  const ping = port.ping;
  port.ping = async () => {
    throw new Error('engine gone');
  };
  return () => {
    port.ping = ping;
  };
}

describe('operational endpoints', () => {
  it('answers /healthz while the process is alive', async () => {
    const res = await gw.get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with each store, its engine, status and latency', async () => {
    const res = await gw.get('/readyz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    expect(body.status).toBe('ready');
    expect(body.stores.map((s: any) => s.store)).toEqual(['relational', 'ticks', 'cache', 'stream', 'graph', 'vector']);
    for (const s of body.stores) {
      expect(s.status).toBe('up');
      expect(s.latencyMs).toBeGreaterThanOrEqual(0);
    }
    expect(body.stores[1].engine).toMatch(/^chdb /);
  });

  it('answers /readyz with 503 and names the store that does not answer when every request needs it', async () => {
    const restore = failPing(gw.app.stores.ticks);
    try {
      const res = await gw.get('/readyz');
      expect(res.status).toBe(503);
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ status: 'unavailable', degraded: [] });
      expect(body.stores.find((s: any) => s.store === 'ticks')).toMatchObject({ status: 'down', required: true });
      expect(body.stores.find((s: any) => s.store === 'relational')).toMatchObject({ status: 'up' });
    } finally {
      restore();
    }
  });

  it('stays ready while a store outside READY_STORES is down, reports it degraded, and /readyz?strict is 503', async () => {
    const restore = failPing(gw.app.stores.vector);
    try {
      const res = await gw.get('/readyz');
      expect(res.status).toBe(200);
      const body = (await res.json()) as any;
      expect(body).toMatchObject({ status: 'degraded', mode: 'required', degraded: ['vector'] });
      expect(body.stores.find((s: any) => s.store === 'vector')).toMatchObject({ status: 'down', required: false, error: 'engine gone' });
      expect(body.stores.filter((s: any) => s.required).map((s: any) => s.store)).toEqual(['relational', 'ticks']);

      for (const query of ['?strict', '?strict=true', '?strict=1']) {
        const strict = await gw.get(`/readyz${query}`);
        expect(strict.status, query).toBe(503);
        expect(await strict.json(), query).toMatchObject({ status: 'unavailable', mode: 'strict', degraded: [] });
      }
      expect((await gw.get('/readyz?strict=false')).status).toBe(200);
    } finally {
      restore();
    }
    expect(await (await gw.get('/readyz?strict')).json()).toMatchObject({ status: 'ready', degraded: [] });
  });

  it('pings each store once for readiness probes that arrive together, however many', async () => {
    const relational = gw.app.stores.relational;
    const ping = relational.ping;
    let pings = 0;
    relational.ping = async () => {
      pings++;
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // a slow store: the probes overlap
    };
    try {
      const answers = await Promise.all(Array.from({ length: 50 }, () => gw.get('/readyz')));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
      expect(pings).toBeGreaterThanOrEqual(1);
      expect(pings).toBeLessThanOrEqual(3); // not 50: a round in flight answers every probe that waits on it
    } finally {
      relational.ping = ping;
    }
  });

  it('exports request counts, store latency histograms and ingest counters on /metrics', async () => {
    await gw.gql(UPSERT, { instruments: [instrument('EURUSD')] });
    await gw.gql(INSERT, { ticks: [{ symbol: 'EURUSD', time: Date.now() - 5000, bid: 1, ask: 2 }, { symbol: 'X', time: Date.now(), bid: 1, ask: 2 }] });
    const res = await gw.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/marketgraph_graphql_requests_total\{operation="mutation",outcome="ok"\} 2/);
    expect(text).toMatch(/marketgraph_store_operation_duration_seconds_count\{store="ticks",operation="insert",outcome="ok"\} 1/);
    expect(text).toMatch(/marketgraph_ticks_ingested_total\{outcome="accepted"\} 1/);
    expect(text).toMatch(/marketgraph_ticks_ingested_total\{outcome="rejected"\} 1/);
    // One group commit of the one accepted tick.
    expect(text).toMatch(/marketgraph_ingest_insert_ticks_count\{writer="group_commit"\} 1\n/);
    expect(text).toMatch(/marketgraph_ingest_insert_ticks_sum\{writer="group_commit"\} 1\n/);
  });

  it('names the engine behind each store on /version', async () => {
    const body = (await (await gw.get('/version')).json()) as any;
    expect(body.name).toBe('marketgraph');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.stores).toMatchObject({ cache: 'in-process', stream: 'in-process' });
    expect(body.stores.relational).toMatch(/^pglite /);
  });

  it('serves a GraphQL explorer whose scripts all come from the gateway', async () => {
    const res = await fetch(gw.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const src of sources) {
      expect(src.startsWith('/explorer/')).toBe(true);
      const asset = await gw.get(src);
      expect(asset.status, src).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, src).toBeGreaterThan(1000);
    }
  });

  it('answers 404 for unknown paths', async () => {
    expect((await gw.get('/nope')).status).toBe(404);
  });
});
