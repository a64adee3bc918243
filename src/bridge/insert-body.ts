import type { TickInput } from '../stores/ticks/tick-store.js';

/**
 * The request body a bridge sends: the variables form of `insertTicks`, which the gateway takes
 * on its fast path (src/graphql/insert-ticks-fast-path.ts). The reference Expert Advisor
 * (bridge/mt5/MarketgraphBridge.mq5, `BodyJson`) writes the same bytes by the same rules, and
 * bridge/mt5/fixture/ holds one body both must produce (test/bridge/ea-fixture.test.ts):
 *
 * - keys in this order: symbol, time, bid, ask, last, volume, flags; no spaces;
 * - time as integer epoch milliseconds, UTC (no date text to format or parse);
 * - numbers as JavaScript prints them (the shortest text that reads back as the same double:
 *   1.0851, not 1.08510); an absent last, volume or flags as null;
 * - the symbol as a JSON string (`"` and `\` escaped; control characters as \u00XX).
 */
export const INSERT_TICKS = 'mutation Bridge($ticks: [TickInput!]!) { insertTicks(ticks: $ticks) { accepted duplicates rejected { index reason } } }';

const BODY_START = `{"query":${JSON.stringify(INSERT_TICKS)},"variables":{"ticks":[`;
const BODY_END = ']}}';

export function tickJson(t: TickInput): string {
  return `{"symbol":${JSON.stringify(t.symbol)},"time":${t.time},"bid":${t.bid},"ask":${t.ask},"last":${t.last},"volume":${t.volume},"flags":${t.flags}}`;
}

export function insertBody(ticks: readonly TickInput[]): string {
  let body = BODY_START;
  for (let i = 0; i < ticks.length; i++) body += (i === 0 ? '' : ',') + tickJson(ticks[i]!);
  return body + BODY_END;
}

const INT32_MAX = 2 ** 31 - 1;

/**
 * Why the gateway could not even parse this tick as a `TickInput` (it would fail the whole batch
 * with BAD_USER_INPUT, the good ticks with it), or null. Checked as a tick enters the client, so
 * one malformed tick is refused alone, at its source. What the gateway checks per tick (a known
 * symbol, bid <= ask, a time not in the future) it answers in `rejected`, and is left to it.
 */
export function malformed(t: TickInput): string | null {
  if (typeof t.symbol !== 'string' || t.symbol.length === 0) return 'symbol must be a non-empty string';
  if (!Number.isSafeInteger(t.time)) return `time must be integer epoch milliseconds; got ${t.time}`;
  for (const field of ['bid', 'ask'] as const) if (!Number.isFinite(t[field])) return `${field} must be a finite number; got ${t[field]}`;
  for (const field of ['last', 'volume'] as const) {
    const value = t[field];
    if (value !== null && !Number.isFinite(value)) return `${field} must be a finite number or null; got ${value}`;
  }
  if (t.flags !== null && !(Number.isInteger(t.flags) && t.flags >= 0 && t.flags <= INT32_MAX))
    return `flags must be an integer from 0 to ${INT32_MAX} (GraphQL Int) or null; got ${t.flags}`;
  return null;
}
