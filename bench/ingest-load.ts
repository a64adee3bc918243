import type { GatewayProcess } from '../test/helpers/process-gateway.js';
import { dataOf, graphqlClient } from './harness.js';

/**
 * The load side of bench/ingest.ts and its shapes: the bridge's request (the mutation the fast
 * path recognises), bodies written before the clock starts, and clients that each send their
 * bodies one after another.
 */
export const MUTATION = `mutation Insert($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }`;
export const CLIENTS = 4;

/** A tick as a bridge sends it: `time` in epoch milliseconds or as an ISO-8601 string (the DateTime scalar takes both). */
export interface TickJson {
  symbol: string;
  time: number | string;
  bid: number;
  ask: number;
  last: number | null;
  volume: number;
  flags: number;
}

export const body = (list: readonly unknown[]) => JSON.stringify({ query: MUTATION, variables: { ticks: list } });

/** The i-th tick of a batch: prices vary, so that no two ticks of one symbol and time are identical by accident. */
export function tickAt(symbol: string, time: number | string, i: number): TickJson {
  const bid = 1 + (i % 1000) / 10_000;
  return { symbol, time, bid, ask: bid + 0.0002, last: null, volume: 1, flags: 6 };
}

export interface Load {
  accepted: number;
  seconds: number;
}

/**
 * Each client sends its bodies one after another, all clients at once; every tick must be
 * accepted (`expected`), so a refused or duplicate-counted tick is never timed as a stored one.
 */
export async function sendLoad(url: string, bodies: readonly (readonly string[])[], expected: number): Promise<Load> {
  // Connections opened now: kept-alive ones from an earlier load may have passed the gateway's
  // keep-alive timeout while these bodies were built (they failed a request once).
  const client = graphqlClient(url, bodies.length);
  const started = performance.now();
  let accepted = 0;
  try {
    await Promise.all(
      bodies.map(async (mine) => {
        for (const b of mine) {
          const res = await client.post(b);
          accepted += dataOf<{ insertTicks: { accepted: number } }>(res).insertTicks.accepted;
        }
      }),
    );
  } finally {
    client.close();
  }
  const seconds = (performance.now() - started) / 1000;
  if (accepted !== expected) throw new Error(`accepted ${accepted} of ${expected}`);
  return { accepted, seconds };
}

export async function upsertInstruments(gateway: GatewayProcess, symbols: readonly string[]): Promise<void> {
  const upsert = `mutation($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`;
  for (let i = 0; i < symbols.length; i += 100) {
    const instruments = symbols.slice(i, i + 100).map((symbol) => ({ symbol, assetClass: 'FX', baseCurrency: symbol, quoteCurrency: 'USD', digits: 5 }));
    const res = await gateway.gql(upsert, { i: instruments });
    if (res.errors) throw new Error(`upsertInstruments: ${JSON.stringify(res.errors).slice(0, 300)}`);
  }
}
