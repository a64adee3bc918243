import type { ApolloServerPlugin } from '@apollo/server';
import { getOperationAST, type ExecutionArgs } from 'graphql';
import type { Metrics } from '../metrics.js';
import type { OperationNameLabel } from './operation-names.js';

/** Counts GraphQL operations by type and outcome, and times them by type and name (HTTP). */
export function useMetrics(metrics: Metrics, nameLabel: OperationNameLabel): ApolloServerPlugin {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, errors }) {
          metrics.graphqlRequests.inc({
            operation: operation?.operation ?? 'unknown',
            outcome: errors && errors.length > 0 ? 'error' : 'ok',
          });
          // `operation` is known once the document parsed and validated: only then is its name one of the schema's operations.
          metrics.operationDuration.observe(
            { operation_type: operation?.operation ?? 'unknown', operation_name: operation ? nameLabel(operation.name?.value) : '(invalid)' },
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}

/**
 * The same timing for graphql-ws's execute and subscribe (a subscription is timed to its start).
 * Documents that fail to parse or validate never get here (prepareOperation answers them).
 */
export function timeExecution<R>(metrics: Metrics, nameLabel: OperationNameLabel, run: (args: ExecutionArgs) => R | Promise<R>) {
  return async (args: ExecutionArgs): Promise<R> => {
    const started = performance.now();
    const operation = getOperationAST(args.document, args.operationName);
    try {
      return await run(args);
    } finally {
      metrics.operationDuration.observe(
        { operation_type: operation?.operation ?? 'unknown', operation_name: operation ? nameLabel(operation.name?.value) : '(invalid)' },
        (performance.now() - started) / 1000,
      );
    }
  };
}
