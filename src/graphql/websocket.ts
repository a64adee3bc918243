import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { execute, GraphQLError, subscribe, type ExecutionArgs, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import type { ServerOptions, SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Principal } from '../auth/principal.js';
import type { WsAccessControl } from '../auth/ws-access-control.js';
import type { Context } from './context.js';
import type { Metrics } from '../metrics.js';
import type { SlowPolicy } from './live-delivery.js';
import type { HostOriginCheck } from '../http/host-origin.js';
import { refuseUpgrade } from '../http/refusal.js';
import { ErrorCode } from '../errors.js';
import type { WsLimits } from './ws-limits.js';
import { traceExecution } from '../telemetry/operation-span.js';
import type { OperationNameLabel } from './operation-names.js';
import { timeExecution } from './use-metrics.js';
import type { Tracing } from '../telemetry/tracing.js';

type Execute = NonNullable<ServerOptions['execute']>;

export interface WebSocketDeps {
  httpServer: Server;
  schema: GraphQLSchema;
  createContext: (principal: Principal) => Context;
  /** Authenticates each socket at connection_init and checks each operation's roles (src/auth). */
  access: WsAccessControl;
  maskError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Trusted documents, token limit, validation with the query limits (src/graphql/prepare-operation.ts). */
  prepareOperation: (payload: SubscribePayload) => ExecutionArgs | GraphQLError[];
  /** What happens to a subscriber whose socket has more than `maxBufferedBytes` unsent. */
  slowSubscribers: { maxBufferedBytes: number; policy: SlowPolicy };
  metrics: Metrics;
  /** Host and Origin checks while access control is off (src/http/host-origin.ts). */
  hostOrigin: HostOriginCheck;
  limits: WsLimits;
  /** A larger message closes its socket with 1009 (WS_MAX_PAYLOAD_BYTES). */
  maxPayloadBytes: number;
  /** A socket without connection_init this long is closed with 4408 (WS_CONNECTION_INIT_TIMEOUT_MS). */
  connectionInitTimeoutMs: number;
  /** The operation latency histogram's name label (shared with HTTP: one bound for both). */
  operationNameLabel: OperationNameLabel;
  /** When set, each operation is a span, child of the `traceparent` in connectionParams. */
  tracing?: Tracing;
}

const PATH = '/graphql';

/**
 * graphql-ws on the same port and path as HTTP. Results go through the same error
 * masking as HTTP responses, so a subscription never leaks a driver message.
 */
export function attachWebSocket(deps: WebSocketDeps) {
  const { httpServer, schema, createContext, access, maskError, prepareOperation, slowSubscribers, metrics, limits, operationNameLabel, tracing } = deps;
  // The upgrade is ours to accept: Host, Origin and the connection limit are checked before the
  // handshake, and a refusal is a coded HTTP answer.
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.maxPayloadBytes });
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws takes the socket, nothing else listens: a client's reset must not crash the process.
    socket.on('error', () => socket.destroy());
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== PATH)
      return refuseUpgrade(req, socket, { status: 404, code: ErrorCode.NOT_FOUND, message: `WebSockets are served on ${PATH} only.` });
    const refusal = deps.hostOrigin.host(req) ?? deps.hostOrigin.origin(req) ?? limits.admit(wss.clients.size);
    if (refusal) return refuseUpgrade(req, socket, refusal);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const mask = (errors: readonly GraphQLError[]) => errors.map((e) => maskError(e.toJSON(), e));
  // Each operation: timed, traced when tracing is on, then its roles checked.
  const wrap = (run: (args: ExecutionArgs) => unknown): Execute => {
    const timed = timeExecution(metrics, operationNameLabel, access.guard(run));
    return (tracing ? traceExecution(tracing, timed) : timed) as Execute;
  };
  const cleanup = useServer(
    {
      schema,
      connectionInitWaitTimeout: deps.connectionInitTimeoutMs,
      onConnect: (ctx) => access.onConnect(ctx),
      context: (ctx, id) =>
        Object.assign(createContext(access.principalOf(ctx)), {
          live: { socket: ctx.extra.socket, id, maskError, metrics, maxBufferedBytes: slowSubscribers.maxBufferedBytes, slowPolicy: slowSubscribers.policy },
          ...(tracing ? { traceParent: tracing.parentFrom(ctx.connectionParams) } : {}),
        }),
      // Its errors go through onError (masked) and no resolver runs.
      onSubscribe: (ctx, _id, payload) => limits.operations(ctx.subscriptions) ?? prepareOperation(payload),
      execute: wrap(execute),
      subscribe: wrap(subscribe),
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
