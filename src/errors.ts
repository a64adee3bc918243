import { GraphQLError } from 'graphql';
import { isInputRejection, RefusedInput } from './stores/input-rejection.js';

/** Every `extensions.code` marketgraph puts in a response. */
export const ErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  STORE_UNAVAILABLE: 'STORE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  // insertTicks over its credential's rate limit (HTTP 429 with Retry-After).
  RATE_LIMITED: 'RATE_LIMITED',
  // The gateway holds as many ticks waiting to be stored as it may (HTTP 503 with Retry-After).
  OVERLOADED: 'OVERLOADED',
  // A WebSocket already runs WS_MAX_OPERATIONS_PER_SOCKET operations: this one is refused.
  TOO_MANY_OPERATIONS: 'TOO_MANY_OPERATIONS',
  // TRUSTED_DOCUMENTS is set and the request's query is not in the manifest.
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export function badInput(message: string, argument?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, ...(argument ? { argument } : {}) },
  });
}

/**
 * A store failed. The driver's error stays in `cause` for the log; the client only
 * learns which store, never the driver's message (it can name hosts and tables).
 */
export class StoreError extends Error {
  constructor(
    readonly store: string,
    readonly operation: string,
    cause: unknown,
  ) {
    super(`${store} store failed during ${operation}`, { cause });
  }

  /** The store answered, refusing a value this request carried: the client's error, not the store's. */
  get refusedInput(): boolean {
    return isInputRejection(this.cause);
  }
}

/**
 * A store refused a value of the request. An adapter's own check says which rule was broken;
 * a driver's message stays in the log (it can name tables and constraints).
 */
export function storeRefusedInput(error: StoreError): GraphQLError {
  const reason = error.cause instanceof RefusedInput ? `: ${error.cause.message}` : '';
  return new GraphQLError(`The ${error.store} store refused a value of this request${reason}.`, {
    extensions: { code: ErrorCode.BAD_USER_INPUT, store: error.store },
    originalError: error,
  });
}

export function storeUnavailable(error: StoreError): GraphQLError {
  return new GraphQLError(`The ${error.store} store is unavailable.`, {
    extensions: { code: ErrorCode.STORE_UNAVAILABLE, store: error.store },
    originalError: error,
  });
}
