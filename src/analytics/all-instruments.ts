import type { InstrumentRow } from '../stores/relational/relational-store.js';
import type { Stores } from '../stores/stores.js';

const PAGE = 1_000;

/** Every instrument, read page by page. */
export async function allInstruments(stores: Stores): Promise<InstrumentRow[]> {
  const all: InstrumentRow[] = [];
  for (let after: string | undefined; ; ) {
    const page = await stores.relational.listInstruments({ after, limit: PAGE });
    all.push(...page);
    if (page.length < PAGE) return all;
    after = page.at(-1)!.symbol;
  }
}

/** Brings the graph store's vertices up to date with the relational store (start-up, and after upserts). */
export async function syncGraph(
  stores: Stores,
  instruments?: readonly (Pick<InstrumentRow, 'symbol' | 'baseCurrency' | 'quoteCurrency'> & { sector?: string | null })[],
): Promise<void> {
  const list = instruments ?? (await allInstruments(stores));
  if (list.length === 0) return;
  await stores.graph.syncInstruments(
    list.map((i) => ({ symbol: i.symbol, baseCurrency: i.baseCurrency, quoteCurrency: i.quoteCurrency, sector: i.sector ?? null })),
  );
}
