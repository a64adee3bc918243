import type { ApolloServerPlugin } from '@apollo/server';
import type { Metrics } from '../metrics.js';

/** Counts GraphQL operations by type and outcome. */
export function useMetrics(metrics: Metrics): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, errors }) {
          metrics.graphqlRequests.inc({
            operation: operation?.operation ?? 'unknown',
            outcome: errors && errors.length > 0 ? 'error' : 'ok',
          });
        },
      };
    },
  };
}
