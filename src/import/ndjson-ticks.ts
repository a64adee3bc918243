import type { TickInput } from '../stores/ticks/tick-store.js';
import { BadLine } from './bad-line.js';
import type { ToUtc } from './server-offset.js';
import { flagsField, numberField, symbolField, timeField } from './tick-fields.js';

/**
 * NDJSON: one JSON object a line with `time`, `bid`, `ask` and any of `symbol`, `last`, `volume`,
 * `flags` (what `insertTicks` takes, so a tick as a bridge would send it reads back as it is).
 * A column in a message is the field's name (`column 0 (bid)`).
 */
export function ndjsonReader(symbol: string | null, toUtc: ToUtc | null) {
  return {
    line(text: string): TickInput | null {
      if (text.trim() === '') return null;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new BadLine(0, '', `expected a JSON object: ${(error as Error).message}`);
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadLine(0, '', 'expected a JSON object such as {"time":"2026-11-27T10:00:00.017Z","bid":1.0851,"ask":1.0853}');
      const o = value as Record<string, unknown>;
      const where = (name: string) => ({ column: 0, name });
      return {
        symbol: symbolField(o.symbol, where('symbol'), symbol),
        time: timeField(o.time, where('time'), toUtc),
        bid: numberField(o.bid, where('bid'), false)!,
        ask: numberField(o.ask, where('ask'), false)!,
        last: numberField(o.last, where('last'), true),
        volume: numberField(o.volume, where('volume'), true),
        flags: flagsField(o.flags, where('flags')),
      };
    },
  };
}
