/**
 * `--server-offset`: how the broker's server time in a file becomes UTC. MetaTrader shows and
 * exports every time in the trade server's local time, which is not UTC: brokers commonly run
 * UTC+2 in winter and UTC+3 in summer.
 *
 * - hours: `2`, `-5`, `+5.75`, `5:45`: a fixed offset;
 * - an IANA time zone: `Europe/Athens` (UTC+2/+3, changing on EU dates);
 * - a zone plus hours: `America/New_York+7`, the common "New York close at midnight" server
 *   (UTC+2/+3, changing on US dates).
 *
 * A zone's wall-clock times are not all one instant: in the hour repeated when clocks go back,
 * each time names two. The file is in time order, so the earlier instant is taken unless it
 * would go back before the previous line's, then the later one (the second pass of the hour).
 * A time skipped when clocks go forward does not occur in a server's export; it is read with the
 * offset in force before the change.
 */

/** Server wall-clock milliseconds (as if UTC) to UTC milliseconds; stateful across a file's lines. */
export type ToUtc = (wallMs: number) => number;

export class OffsetError extends Error {}

const HOURS = /^([+-]?)(\d{1,2})(?:(\.\d+)|:(\d{2}))?$/;
const MAX_OFFSET_MS = 14 * 3_600_000; // UTC-12 to UTC+14 are the zones in use
const QUARTER_HOUR = 900_000; // every offset in use, and every change of one, is in quarter hours

export function parseServerOffset(text: string): () => ToUtc {
  const fixed = hours(text);
  if (fixed !== null) return () => (wall) => wall - fixed;
  const zone = zoneOf(text);
  if (zone) return () => zoneToUtc(zone.offsetAt, zone.plusMs);
  throw new OffsetError(`--server-offset must be hours (2, -5, 5:45) or a time zone (Europe/Athens, America/New_York+7); got "${text}"`);
}

function hours(text: string): number | null {
  const m = HOURS.exec(text.trim());
  if (!m) return null;
  const ms = (Number(m[2]) + (m[3] ? Number(m[3]) : 0) + (m[4] ? Number(m[4]) / 60 : 0)) * 3_600_000 * (m[1] === '-' ? -1 : 1);
  if (Math.abs(ms) > MAX_OFFSET_MS || (m[4] && Number(m[4]) > 59)) throw new OffsetError(`--server-offset must be between -14 and +14 hours; got "${text}"`);
  return Math.round(ms);
}

function zoneOf(text: string): { offsetAt: (utcMs: number) => number; plusMs: number } | null {
  const trimmed = text.trim();
  // The whole text first: zone names such as Etc/GMT+2 end in what looks like hours.
  const candidates: [string, string][] = [[trimmed, '0']];
  const split = /^(.+?)([+-][\d.:]+)$/.exec(trimmed);
  if (split) candidates.push([split[1]!, split[2]!]);
  for (const [name, plus] of candidates) {
    const offsetAt = zoneOffset(name);
    if (!offsetAt) continue;
    const plusMs = hours(plus);
    if (plusMs !== null) return { offsetAt, plusMs };
  }
  return null;
}

/** The zone's offset from UTC at an instant, ms; cached by quarter hour (a file asks thousands of times per quarter). */
function zoneOffset(name: string): ((utcMs: number) => number) | null {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', { timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    return null;
  }
  const cache = new Map<number, number>();
  return (utcMs) => {
    const quarter = Math.floor(utcMs / QUARTER_HOUR);
    let offset = cache.get(quarter);
    if (offset === undefined) {
      const at = quarter * QUARTER_HOUR;
      const p = Object.fromEntries(format.formatToParts(at).map((x) => [x.type, Number(x.value)]));
      offset = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - at;
      if (cache.size > 100_000) cache.clear(); // ~3 years of quarters: bounded for any file
      cache.set(quarter, offset);
    }
    return offset;
  };
}

function zoneToUtc(offsetAt: (utcMs: number) => number, plusMs: number): ToUtc {
  let previous = -Infinity;
  return (wall) => {
    const local = wall - plusMs; // the zone's own wall-clock time
    // The offsets half a day either side: any change of offset near this time is between them.
    const before = offsetAt(local - 43_200_000);
    const after = offsetAt(local + 43_200_000);
    const instants = [...new Set([before, after])].map((o) => local - o).filter((utc) => offsetAt(utc) === local - utc).sort((a, b) => a - b);
    const utc = instants.length === 0 ? local - before : (instants.find((u) => u >= previous) ?? instants.at(-1)!);
    previous = utc;
    return utc;
  };
}
