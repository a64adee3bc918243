import type { TickInput } from '../stores/ticks/tick-store.js';
import { BadLine } from './bad-line.js';
import type { ToUtc } from './server-offset.js';
import { flagsField, numberField, symbolField, timeField } from './tick-fields.js';

/**
 * Plain CSV with named columns: a header line naming `time`, `bid` and `ask`, and any of
 * `symbol`, `last`, `volume`, `flags` (in any order, any case; other columns are ignored).
 * Comma-separated, or semicolon- or tab-separated as the header is. Fields are not quoted
 * (no tick field holds a separator); surrounding double quotes are removed.
 */
const NAMES = ['symbol', 'time', 'bid', 'ask', 'last', 'volume', 'flags'] as const;

export function csvReader(header: string, symbol: string | null, toUtc: ToUtc | null) {
  const separator = [',', ';', '\t'].find((s) => header.includes(s)) ?? ',';
  const names = header.split(separator).map((h) => unquote(h).toLowerCase());
  const at = Object.fromEntries(NAMES.map((n) => [n, names.indexOf(n)])) as Record<(typeof NAMES)[number], number>;
  for (const required of ['time', 'bid', 'ask'] as const)
    if (at[required] === -1) throw new BadLine(0, '', `the header names no "${required}" column: expected time, bid, ask and any of symbol, last, volume, flags`);
  const where = (name: (typeof NAMES)[number]) => ({ column: at[name] + 1, name });

  return {
    line(text: string): TickInput | null {
      if (text.trim() === '') return null;
      const fields = text.split(separator).map(unquote);
      if (fields.length !== names.length) throw new BadLine(0, '', `expected ${names.length} fields separated by "${separator}", as the header has; got ${fields.length}`);
      const get = (name: (typeof NAMES)[number]) => (at[name] === -1 ? undefined : fields[at[name]]);
      return {
        symbol: symbolField(get('symbol'), where('symbol'), symbol),
        time: timeField(get('time'), where('time'), toUtc),
        bid: numberField(get('bid'), where('bid'), false)!,
        ask: numberField(get('ask'), where('ask'), false)!,
        last: numberField(get('last'), where('last'), true),
        volume: numberField(get('volume'), where('volume'), true),
        flags: flagsField(get('flags'), where('flags')),
      };
    },
  };
}

const unquote = (field: string) => field.trim().replace(/^"(.*)"$/, '$1');
