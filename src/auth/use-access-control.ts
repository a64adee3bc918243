import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode } from '../errors.js';
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
          // Apollo answers a document without a matching operation before this hook; refuse anyway.
          const denied = operation ? authorize(contextValue.principal, document, operation) : new GraphQLError('Operation refused.', { extensions: { code: ErrorCode.FORBIDDEN } });
          if (denied) {
            denied.extensions.http = { status: 403 };
            throw denied;
          }
        },
      };
    },
  };
}
