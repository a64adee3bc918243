import { badInput } from '../errors.js';

/**
 * Strings a client sends that name or label something stored. A value that cannot exist is
 * refused here, at the edge, before it reaches a store: PostgreSQL rejects a NUL as an error of
 * its own, which would count against its circuit breaker (issue 13).
 */

/** What upsertInstruments accepts as a symbol, hence the only symbols that can exist. */
export const SYMBOL_MAX_LENGTH = 32;
const SYMBOL = /^[A-Za-z0-9._#-]{1,32}$/;
// C0 and C1 control characters, and lone surrogates (not text: PostgreSQL cannot store them).
const NOT_TEXT = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const shown = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value);

/**
 * `value` when it is a symbol that can exist, else BAD_USER_INPUT. `where` names it in the
 * message (`symbol`, `ticks[3].symbol`); `argument` is the field argument it came in.
 */
export function checkSymbol(value: unknown, where: string, argument: string): string {
  if (typeof value === 'string' && SYMBOL.test(value)) return value;
  throw badInput(`${where} must be 1 to ${SYMBOL_MAX_LENGTH} letters, digits or . _ # -; got ${shown(value)}`, argument);
}

/** `value` when it is text of at most `max` characters without control characters, else BAD_USER_INPUT. */
export function checkText(value: string, where: string, argument: string, max: number): string {
  if (value.length <= max && !NOT_TEXT.test(value)) return value;
  throw badInput(`${where} must be at most ${max} characters, none of them control characters; got ${shown(value)}`, argument);
}
