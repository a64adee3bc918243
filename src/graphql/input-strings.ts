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

/** The longest ID a client may send: an account id is a bigint (at most 20 characters). */
const ID_MAX_LENGTH = 64;

/**
 * `value` as an ID, coerced as GraphQL's ID scalar coerces an argument (a string, or an integer
 * as its digits), else BAD_USER_INPUT: for keys that arrive as raw JSON (`_entities`'s
 * representations), where nothing has coerced them and a null reached the loader.
 */
export function checkId(value: unknown, where: string, argument: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && value.length > 0 && value.length <= ID_MAX_LENGTH && !NOT_TEXT.test(value)) return value;
  throw badInput(`${where} must be an ID (a string of 1 to ${ID_MAX_LENGTH} characters or an integer); got ${shown(value)}`, argument);
}
