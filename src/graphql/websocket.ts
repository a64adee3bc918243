import type { Server } from 'node:http';
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Context } from './context.js';

export interface WebSocketDeps {
  httpServer: Server;
  schema: GraphQLSchema;
  createContext: () => Context;
  maskError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
}

/**
 * graphql-ws on the same port and path as HTTP. Results go through the same error
 * masking as HTTP responses, so a subscription never leaks a driver message.
 */
export function attachWebSocket({ httpServer, schema, createContext, maskError }: WebSocketDeps) {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const mask = (errors: readonly GraphQLError[]) => errors.map((e) => maskError(e.toJSON(), e));
  const cleanup = useServer(
    {
      schema,
      context: () => createContext(),
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: mask(result.errors) as unknown as GraphQLError[] } : result,
      onError: (_ctx, _id, _payload, errors) => mask(errors),
    },
    wss,
  );
  return {
    /** Closes every socket with 1001 (going away) and stops the server. */
    async close() {
      for (const socket of wss.clients) socket.close(1001, 'server shutting down');
      await cleanup.dispose();
    },
  };
}
