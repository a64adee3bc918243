/**
 * Whether a store's error was caused by the values a request carried rather than by the store
 * or the network (issue 13: "bad input never opens a circuit"). Such an error proves the store
 * answered: the circuit breaker does not count it, a read is not retried, and the client gets
 * BAD_USER_INPUT instead of STORE_UNAVAILABLE. Anything not recognised here stays a store failure,
 * so a driver upgrade that renames an error can only make the breaker stricter, never blind.
 */
export function isInputRejection(error: unknown): boolean {
  if (error instanceof RefusedInput) return true;
  if (typeof error !== 'object' || error === null) return false;
  return postgresRefusedValue(error) || clickhouseRefusedValue(error) || httpRefusedRequest(error);
}

/**
 * An adapter's own check of a value before it goes to its engine (a zero pattern vector, a
 * negative k). One class for every adapter: it names the rule broken, never a driver detail.
 */
export class RefusedInput extends RangeError {}

// SQLSTATE classes of errors about the data a statement carried (PostgreSQL manual, appendix A):
// 22 data exception (22021: a NUL or invalid UTF-8 in text, 22P02: text that is not a number),
// 23 integrity constraint violation, 54 program limit exceeded (54000: a value too long to index).
// Class 42 (syntax, unknown column) is our SQL's fault and class 08/57/53 the server's: both count.
const POSTGRES_VALUE_CLASSES = new Set(['22', '23', '54']);

function postgresRefusedValue(error: object): boolean {
  // pg's and PGlite's DatabaseError both carry the SQLSTATE in `code` and a `severity`.
  const { code, severity } = error as { code?: unknown; severity?: unknown };
  return typeof severity === 'string' && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && POSTGRES_VALUE_CLASSES.has(code.slice(0, 2));
}

// ClickHouse error codes (src/Common/ErrorCodes.cpp) for a value that does not parse or fit:
// 6 CANNOT_PARSE_TEXT, 26 CANNOT_PARSE_QUOTED_STRING, 27 CANNOT_PARSE_INPUT_ASSERTION_FAILED,
// 38 CANNOT_PARSE_DATE, 41 CANNOT_PARSE_DATETIME, 69 ARGUMENT_OUT_OF_BOUND, 70 CANNOT_CONVERT_TYPE,
// 72 CANNOT_PARSE_NUMBER, 131 TOO_LARGE_STRING_SIZE, 321 VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE,
// 457 BAD_QUERY_PARAMETER.
const CLICKHOUSE_VALUE_CODES = new Set([6, 26, 27, 38, 41, 69, 70, 72, 131, 321, 457]);

function clickhouseRefusedValue(error: object): boolean {
  // @clickhouse/client: ClickHouseError with the numeric code as a string; chDB: a message
  // starting `Code: 41. DB::Exception: …`.
  const { code, message } = error as { code?: unknown; message?: unknown };
  const fromServer = error.constructor?.name === 'ClickHouseError' && typeof code === 'string' ? Number(code) : undefined;
  const fromChdb = typeof message === 'string' ? /^Code: (\d+)\. DB::Exception/.exec(message)?.[1] : undefined;
  const number = fromServer ?? (fromChdb === undefined ? undefined : Number(fromChdb));
  return number !== undefined && CLICKHOUSE_VALUE_CODES.has(number);
}

// An HTTP store (ClickHouse, Weaviate, ArangoDB) that refuses the request for its size: 414 URI
// too long (a value sent as a URL parameter), 431 header fields too large, 413 body too large.
const HTTP_REFUSED_FOR_SIZE = new Set([413, 414, 431]);

function httpRefusedRequest(error: object): boolean {
  const { status, statusCode, code } = error as { status?: unknown; statusCode?: unknown; code?: unknown };
  return [status, statusCode, code].some((s) => typeof s === 'number' && HTTP_REFUSED_FOR_SIZE.has(s));
}
