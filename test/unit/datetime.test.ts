import { describe, expect, it } from 'vitest';
import { parseDateTime, parseDateTimeText } from '../../src/graphql/datetime.js';

const refused = (value: unknown) => {
  try {
    parseDateTime(value);
  } catch (error: any) {
    return error.extensions?.code;
  }
  return 'accepted';
};

describe('parseDateTime', () => {
  it('reads ISO-8601 with a zone and epoch milliseconds as the instants they name', () => {
    expect(parseDateTime('2026-11-27T10:15:00.123Z')).toBe(Date.UTC(2026, 10, 27, 10, 15, 0, 123));
    expect(parseDateTime('2024-03-01T12:00:00.5+02:00')).toBe(Date.UTC(2024, 2, 1, 10, 0, 0, 500));
    expect(parseDateTime('2024-03-01T12:00-0130')).toBe(Date.UTC(2024, 2, 1, 13, 30));
    expect(parseDateTime('2024-02-29T23:59:59.999999999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(parseDateTime('2000-02-29T00:00:00Z')).toBe(Date.UTC(2000, 1, 29));
    expect(parseDateTime('0050-01-01T00:00:00Z')).toBe(Date.parse('0050-01-01T00:00:00Z'));
    expect(parseDateTime(1_700_000_000_000)).toBe(1_700_000_000_000);
  });

  it('agrees with Date.parse on every valid text it accepts', () => {
    const texts = ['1999-12-31T23:59:59Z', '2026-01-01T00:00:00.9999Z', '2026-06-30T18:45:07.1-11:45', '2026-12-31T23:59:59.999+23:59'];
    for (const text of texts) expect(parseDateTime(text), text).toBe(Date.parse(text));
  });

  it('refuses calendar fields that do not exist instead of rolling them over', () => {
    for (const text of [
      '2026-02-30T10:00:00Z', // Date.parse: 2 March
      '2026-02-29T10:00:00Z', // 2026 is no leap year
      '1900-02-29T00:00:00Z', // nor was 1900
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z', // Date.parse: the next day
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:59:60Z', // a leap second: no Date can hold it
      '2026-00-10T00:00:00Z',
      '2026-13-10T00:00:00Z',
      '2026-01-00T00:00:00Z',
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00+05:60',
    ])
      expect(refused(text), text).toBe('BAD_USER_INPUT');
  });

  it('refuses texts without a zone, other formats, and numbers that are no instant', () => {
    for (const value of ['2026-01-01T00:00:00', '2026-01-01', 'yesterday', '', ' 2026-01-01T00:00:00Z', 1.5, 2 ** 53, -(8.64e15 + 1), 8.64e15 + 1, NaN, Infinity, null, true, {}])
      expect(refused(value), String(value)).toBe('BAD_USER_INPUT');
    expect(parseDateTime(-8.64e15)).toBe(-8.64e15);
  });

  it('says the date does not exist, and cuts a long value', () => {
    expect(() => parseDateTime('2026-02-30T10:00:00Z')).toThrow(/exist; got "2026-02-30T10:00:00Z"/);
    expect(() => parseDateTime('x'.repeat(10_000))).toThrow(/got "x{40}"$/);
  });

  it('reads the form bridges send digit by digit exactly as an instant: every day of 1999 to 2101, with and without milliseconds', () => {
    const start = Date.UTC(1999, 0, 1);
    for (let ms = start; ms < Date.UTC(2101, 0, 1); ms += 86_400_000 + 3_723_456) {
      const iso = new Date(ms).toISOString(); // 2026-11-27T10:15:00.123Z
      expect(parseDateTime(iso), iso).toBe(ms);
      expect(parseDateTime(iso.replace(/\.\d{3}Z$/, 'Z')), iso).toBe(ms - (ms % 1000));
    }
    for (const text of ['2025-02-29T10:00:00Z', '2024-04-31T00:00:00.000Z', '2026-01-01T24:00:00Z', '2026-01-01T00:60:00Z', '2026-01-01T00:00:60.000Z', '2026-1a-01T00:00:00Z', '2026-01-01T00:00:00.0a0Z'])
      expect(refused(text), text).toBe('BAD_USER_INPUT');
    expect(parseDateTime('2024-02-29T23:59:59.999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(parseDateTime('0099-12-31T00:00:00Z')).toBe(Date.parse('0099-12-31T00:00:00Z')); // left to the general parser
  });

  it('reads the form the same from a request body\'s bytes, across years 100 to 9999, without Date', () => {
    // Each day's instant about every 97 days over the whole range, and around the leap centuries.
    const days: number[] = [];
    for (let ms = Date.parse('0100-01-01T00:00:00Z'); ms < Date.parse('9999-12-31T00:00:00Z'); ms += 97 * 86_400_000 + 45_296_789) days.push(ms);
    for (const year of [1600, 1700, 1900, 2000, 2100, 2400]) for (const [m, d] of [[2, 28], [2, 29], [3, 1], [12, 31]]) {
      const ms = Date.UTC(2000, m! - 1, d!, 23, 59, 59, 999);
      const date = new Date(ms);
      date.setUTCFullYear(year);
      if (date.getUTCDate() === d) days.push(date.getTime());
    }
    for (const ms of days) {
      const iso = new Date(ms).toISOString();
      const body = Buffer.from(`{"time":"${iso}"}`, 'latin1');
      expect(parseDateTimeText(body, 9, 9 + iso.length), iso).toBe(ms);
      expect(parseDateTime(iso), iso).toBe(ms);
    }
    // Not the canonical form: the general parser decides, as for a string.
    for (const text of ['2024-03-01T12:00:00.5+02:00', '2026-11-27T10:15Z', '0050-01-01T00:00:00Z']) {
      const body = Buffer.from(`"${text}"`, 'latin1');
      expect(parseDateTimeText(body, 1, 1 + text.length), text).toBe(parseDateTime(text));
    }
    const bad = Buffer.from('"2026-02-29T10:00:00Z"', 'latin1');
    expect(() => parseDateTimeText(bad, 1, bad.length - 1)).toThrow(/exist/);
    // A character above 0x7f never reads as the digit its low byte would be.
    expect(refused('202\u01326-01-01T00:00:00Z')).toBe('BAD_USER_INPUT');
  });
});
