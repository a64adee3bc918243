import type { ApolloServerPlugin } from '@apollo/server';
import { trace } from '@opentelemetry/api';
import { markOperationErrors, nameOperation } from '../telemetry/operation-span.js';

/**
 * Names the HTTP request's operation span (started around Apollo by src/http/server.ts, so
 * that resolvers and store calls run inside it) and marks it failed with the errors' codes.
 * Registered only when tracing is on.
 */
export function useTracing(): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const span = trace.getActiveSpan();
      if (!span) return;
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation) nameOperation(span, operation.operation, operationName ?? operation.name?.value);
        },
        async didEncounterErrors({ errors }) {
          markOperationErrors(span, errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')));
        },
      };
    },
  };
}
