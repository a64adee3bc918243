import type { Gql } from '../bridge/gql.js';

/**
 * `--create-instruments`: an instrument for each symbol the gateway does not know, made before
 * the symbol's first tick is sent (upsertInstruments needs the admin role). Existing instruments
 * are left as they are. What a file cannot say is guessed, and said: a six-letter symbol is FX
 * (EURUSD: EUR in USD), anything else OTHER in USD; digits are the decimals of the first price.
 */

export function instrumentMaker(gql: Gql, log: (line: string) => void) {
  const known = new Set<string>();
  return async (symbol: string, price: string): Promise<void> => {
    if (known.has(symbol)) return;
    const found = await gql<{ instrument: { symbol: string } | null }>(`query Known($s: String!) { instrument(symbol: $s) { symbol } }`, { s: symbol });
    if (!found.instrument) {
      const fx = /^[A-Z]{6}$/.test(symbol);
      const digits = Math.min(10, price.split('.')[1]?.length ?? 0);
      const instrument = { symbol, assetClass: fx ? 'FX' : 'OTHER', baseCurrency: fx ? symbol.slice(0, 3) : symbol.slice(0, 12), quoteCurrency: fx ? symbol.slice(3) : 'USD', digits };
      await gql(`mutation Create($i: [InstrumentInput!]!) { upsertInstruments(instruments: $i) }`, { i: [instrument] });
      log(`import: created instrument ${symbol} (${instrument.assetClass}, ${instrument.baseCurrency}/${instrument.quoteCurrency}, ${digits} digits)`);
    }
    known.add(symbol);
  };
}
