import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../graphql/context.js';
import { authorize } from './operation-roles.js';

/**
 * Role checks for HTTP: once the operation is parsed, validated and chosen, before any resolver
 * runs, an operation the caller's roles do not cover fails whole with FORBIDDEN (HTTP 403).
 * Who the caller is was settled in the context function (a missing or bad credential is 401 there).
 * The WebSocket path runs the same `authorize` (src/graphql/websocket.ts).
 */
export function useAccessControl(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, document, operation }) {
          // No operation matches the request: Apollo answers 400 OPERATION_RESOLUTION_FAILURE right
          // after this hook, and nothing runs.
          if (!operation) return;
          const denied = authorize(contextValue.principal, document, operation);
          if (denied) {
            denied.extensions.http = { status: 403 };
            throw denied;
          }
        },
      };
    },
  };
}
