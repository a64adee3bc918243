import { GraphQLError } from 'graphql';
import type { Config } from '../config.js';
import { ErrorCode } from '../errors.js';
import type { Refusal } from '../http/refusal.js';

/**
 * What one client may hold on the WebSocket path (issue 13), besides `maxPayload` (ws closes a
 * socket whose message is larger with 1009) and the connection_init timeout (graphql-ws closes
 * with 4408): sockets open at once, and operations running at once on one socket. Each socket
 * costs memory for as long as it lasts, each subscription a place in the tick hub.
 */
export function createWsLimits(limits: Config['webSocket']) {
  return {
    /** The refusal of one more upgrade when `open` sockets are open already: 503, before the handshake. */
    admit(open: number): Refusal | undefined {
      if (open < limits.maxConnections) return undefined;
      return {
        status: 503,
        code: ErrorCode.OVERLOADED,
        message: `The gateway holds ${limits.maxConnections} WebSocket connections already (WS_MAX_CONNECTIONS); try again shortly.`,
        retryAfterSeconds: 5,
      };
    },
    /**
     * The error for a subscribe message past the limit, or undefined. graphql-ws has entered the
     * new operation's id in `subscriptions` before it asks: the count includes it.
     */
    operations(subscriptions: Readonly<Record<string, unknown>>): GraphQLError[] | undefined {
      const running = Object.keys(subscriptions).length;
      if (running <= limits.maxOperationsPerSocket) return undefined;
      return [
        new GraphQLError(
          `This socket runs ${limits.maxOperationsPerSocket} operations already (WS_MAX_OPERATIONS_PER_SOCKET): complete one, or open another socket.`,
          { extensions: { code: ErrorCode.TOO_MANY_OPERATIONS } },
        ),
      ];
    },
  };
}

export type WsLimits = ReturnType<typeof createWsLimits>;
