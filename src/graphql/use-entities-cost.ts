import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from './context.js';
import { entitiesCostError, type QueryLimits } from './query-limits.js';

/**
 * The query cost limit for HTTP operations whose cost only their variables tell: `_entities`
 * with `representations: $r` (query-limits.ts). Validation, which Apollo runs without variables
 * and caches per document, counted it as one representation; here, before any resolver runs,
 * it is weighed with the request's. The WebSocket path does the same in prepare-operation.ts.
 */
export function useEntitiesCost(limits: QueryLimits): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!operation) return;
          const error = entitiesCostError(schema, document, operation, request.variables, limits);
          if (error) {
            error.extensions.http = { status: 400 };
            throw error;
          }
        },
      };
    },
  };
}
