import { describe, expect, it } from 'vitest';
import { checkSymbol, checkText } from '../../src/graphql/input-strings.js';

const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (error: any) {
    return error.extensions?.code;
  }
  return 'accepted';
};

describe('checkSymbol', () => {
  it('passes every symbol upsertInstruments accepts', () => {
    for (const s of ['EURUSD', 'XAUUSD', 'US500.cash', 'BTC-USD', 'GER40#', 'a_b', 'X', 'A'.repeat(32)]) expect(checkSymbol(s, '`symbol`', 'symbol')).toBe(s);
  });

  it('refuses symbols that cannot exist: NUL and control characters, too long, empty, not a string', () => {
    for (const s of ['EUR\u0000USD', 'EURUSD\n', '\u001b[31m', 'EUR\u007fUSD', 'A'.repeat(33), 'x'.repeat(1_000_000), '', 'EUR USD', 'EUR/USD', "'; DROP TABLE", '\ud800', 'ÉURUSD', undefined, null, 42, {}, ['EURUSD']])
      expect(codeOf(() => checkSymbol(s, '`symbol`', 'symbol')), JSON.stringify(s)?.slice(0, 40)).toBe('BAD_USER_INPUT');
  });

  it('names where the symbol was and the argument, showing at most 40 characters of it escaped', () => {
    try {
      checkSymbol(`A\u0000${'x'.repeat(100)}`, 'the symbol at "ticks[3].symbol"', 'ticks');
      expect.unreachable();
    } catch (error: any) {
      expect(error.message).toBe(`the symbol at "ticks[3].symbol" must be 1 to 32 letters, digits or . _ # -; got "A\\u0000${'x'.repeat(38)}"`);
      expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'ticks' });
    }
  });
});

describe('checkText', () => {
  it('passes text, accents and emoji included, up to its length', () => {
    for (const s of ['FX', 'Métaux précieux', 'Gold 🪙', 'x'.repeat(64)]) expect(checkText(s, '`assetClass`', 'assetClass', 64)).toBe(s);
  });

  it('refuses control characters, lone surrogates and text over its length', () => {
    for (const s of ['F\u0000X', 'FX\r\n', '\u0085', 'x'.repeat(65), 'a\ud83d', '\udc00b'])
      expect(codeOf(() => checkText(s, '`assetClass`', 'assetClass', 64)), JSON.stringify(s)).toBe('BAD_USER_INPUT');
  });
});
