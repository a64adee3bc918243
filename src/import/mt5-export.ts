import { fromMqlTick, type MqlTick } from '../bridge/mt5-tick.js';
import type { TickInput } from '../stores/ticks/tick-store.js';
import { BadLine, quote } from './bad-line.js';
import type { ToUtc } from './server-offset.js';

/**
 * The tick export of MetaTrader 5 (Symbols window, Ticks tab, Export), checked against
 * published exports and parsers of them:
 *
 *   <DATE>	<TIME>	<BID>	<ASK>	<LAST>	<VOLUME>	<FLAGS>
 *   2026.11.27	10:00:00.017	1.08682	1.08712			6
 *   2026.11.27	10:00:00.228		1.08710			4
 *
 * Tab-separated; the date as YYYY.MM.DD and the time as HH:MM:SS.mmm, both the broker's server
 * time; a price or volume left empty did not change in that tick and is the previous line's
 * (an FX symbol has no LAST or VOLUME at all); trailing empty fields may be left out. Each line
 * becomes what MqlTick would hold for that tick, then a TickInput by the EA's rules (mt5-tick.ts).
 */
export const MT5_HEADER = /^<DATE>\t<TIME>\t/;

const DATE = /^(\d{4})\.(\d{2})\.(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?$/;
const NUMBER = /^\d+(\.\d+)?$/;
const COLUMNS = ['DATE', 'TIME', 'BID', 'ASK', 'LAST', 'VOLUME', 'FLAGS'] as const;
type Column = (typeof COLUMNS)[number];

export interface Mt5Reader {
  /** The tick on this line, or null for an empty line. Throws BadLine. */
  line(text: string): TickInput | null;
}

export function mt5Reader(header: string, symbol: string, toUtc: ToUtc): Mt5Reader {
  const names = header.split('\t').map((h) => h.trim().replace(/^<|>$/g, '').toUpperCase());
  const at = {} as Record<Column, number>;
  for (const column of COLUMNS) at[column] = names.indexOf(column);
  for (const required of ['DATE', 'TIME', 'BID', 'ASK'] as const)
    if (at[required] === -1) throw new BadLine(0, '', `the header names no <${required}> column: expected <DATE> <TIME> <BID> <ASK> <LAST> <VOLUME> <FLAGS>, tab-separated`);
  // What MqlTick holds: the last value of each, carried over empty fields.
  const state: MqlTick = { time_msc: 0, bid: NaN, ask: NaN, last: 0, volume_real: 0, flags: 0 };

  const field = (fields: string[], column: Column) => (at[column] === -1 ? '' : (fields[at[column]] ?? '').trim());
  const number = (fields: string[], column: Column, previous: number): number => {
    const text = field(fields, column);
    if (text === '') return previous;
    if (!NUMBER.test(text)) throw new BadLine(at[column] + 1, `<${column}>`, `expected a number such as 1.08512 (a dot for decimals) or nothing; got ${quote(text)}`);
    return Number(text);
  };

  return {
    line(text) {
      if (text.trim() === '') return null;
      const fields = text.split('\t');
      if (fields.length > names.length) throw new BadLine(0, '', `expected at most ${names.length} tab-separated fields, as the header has; got ${fields.length}`);
      const wall = wallTime(field(fields, 'DATE'), field(fields, 'TIME'), at.DATE + 1, at.TIME + 1);
      const bid = number(fields, 'BID', state.bid);
      const ask = number(fields, 'ASK', state.ask);
      if (Number.isNaN(bid)) throw new BadLine(at.BID + 1, '<BID>', 'expected a price: it is empty and no earlier line gave one');
      if (Number.isNaN(ask)) throw new BadLine(at.ASK + 1, '<ASK>', 'expected a price: it is empty and no earlier line gave one');
      const last = number(fields, 'LAST', state.last);
      const volume = number(fields, 'VOLUME', state.volume_real);
      const flagsText = field(fields, 'FLAGS');
      if (flagsText !== '' && !(/^\d+$/.test(flagsText) && Number(flagsText) <= 0xffff_ffff))
        throw new BadLine(at.FLAGS + 1, '<FLAGS>', `expected an unsigned 32-bit integer such as 6 or nothing; got ${quote(flagsText)}`);
      // Only a line that reads whole changes the carried values: a bad line skipped leaves them.
      Object.assign(state, { time_msc: wall, bid, ask, last, volume_real: volume, flags: flagsText === '' ? 0 : Number(flagsText) });
      const tick = fromMqlTick(symbol, state, toUtc(wall));
      if (flagsText === '') tick.flags = null;
      return tick;
    },
  };
}

/** "2026.11.27" and "10:00:00.017" as milliseconds since 1970 of that wall-clock time. */
function wallTime(date: string, time: string, dateColumn: number, timeColumn: number): number {
  const d = DATE.exec(date);
  const ms0 = d ? Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!) : NaN;
  if (!d || new Date(ms0).getUTCDate() !== +d[3]! || new Date(ms0).getUTCMonth() !== +d[2]! - 1)
    throw new BadLine(dateColumn, '<DATE>', `expected a date as YYYY.MM.DD such as 2026.11.27; got ${quote(date)}`);
  const t = TIME.exec(time);
  if (!t || +t[1]! > 23 || +t[2]! > 59 || +t[3]! > 59)
    throw new BadLine(timeColumn, '<TIME>', `expected a time as HH:MM:SS.mmm such as 10:00:00.017; got ${quote(time)}`);
  return ms0 + ((+t[1]! * 60 + +t[2]!) * 60 + +t[3]!) * 1000 + Number((t[4] ?? '0').padEnd(3, '0'));
}
