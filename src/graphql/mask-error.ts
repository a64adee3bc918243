import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { ErrorCode, StoreError, storeRefusedInput, storeUnavailable } from '../errors.js';
import type { Logger } from '../logger.js';

// Codes whose messages were written for the client (ours, and the ones graphql-js and
// Apollo Server produce while parsing, validating and coercing a request).
const CLIENT_CODES = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== ErrorCode.INTERNAL_SERVER_ERROR),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/**
 * Error masking at the GraphQL edge, for HTTP and WebSocket alike: a store that refused a value
 * of the request becomes BAD_USER_INPUT, any other store failure STORE_UNAVAILABLE, both naming
 * the store; an error with a client-facing code passes; anything else becomes
 * INTERNAL_SERVER_ERROR and the original is logged. No stack traces.
 */
export function createErrorMasker(logger: Logger, options: { hideSuggestions: boolean }) {
  return function maskError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const original = unwrapResolverError(error);
    const base = { locations: formatted.locations, path: formatted.path };
    if (original instanceof StoreError && original.refusedInput) {
      logger.info({ err: original.cause, store: original.store, operation: original.operation }, 'store refused a value of the request');
      const e = storeRefusedInput(original);
      return { ...base, message: e.message, extensions: e.extensions };
    }
    if (original instanceof StoreError) {
      logger.warn({ err: original.cause, store: original.store, operation: original.operation }, 'store failure');
      const e = storeUnavailable(original);
      return { ...base, message: e.message, extensions: e.extensions };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && CLIENT_CODES.has(code)) {
      // `http` (status, headers: Apollo's instructions for HTTP) is consumed by Apollo before this
      // runs; on a WebSocket it would reach the client as a stray object, so it goes too.
      const { stacktrace: _, http: __, ...extensions } = formatted.extensions ?? {};
      // graphql-js suggests field and type names; in production that maps the schema for a
      // client that cannot introspect it.
      const message = shortenValues(options.hideSuggestions ? formatted.message.replace(/ Did you mean .+\?$/, '') : formatted.message);
      return { ...base, message, extensions };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    return { ...base, message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  };
}

// graphql-js quotes a refused value in full, twice: a 1 MB string sent as `bid` would make a 2 MB
// message. A long quoted value is cut to its start and its length; the path and the reason stay.
// Every quoted string matches, so quotes pair up from the left and text between strings is never cut.
const QUOTED = /"(?:[^"\\]|\\.)*"/g;
const MAX_QUOTED = 200; // characters
// graphql-js prints object keys as they are: a key holding `"` unpairs the quotes after it. Then
// the message is cut in the middle.
const MAX_MESSAGE = 2_000; // characters
function shortenValues(message: string): string {
  const short = message.replace(QUOTED, (quoted) => (quoted.length > MAX_QUOTED ? `${quoted.slice(0, 41)}…" (${quoted.length - 2} characters)` : quoted));
  return short.length > MAX_MESSAGE ? `${short.slice(0, 1_000)} … (${short.length} characters) … ${short.slice(-500)}` : short;
}
