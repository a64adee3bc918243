import type { IncomingMessage } from 'node:http';
import { GraphQLError, getOperationAST, type ExecutionArgs } from 'graphql';
import { ErrorCode } from '../errors.js';
import type { Authenticator } from './authenticate.js';
import { authorize } from './operation-roles.js';
import type { Principal } from './principal.js';
import type { CredentialWatch, WatchedSocket } from './ws-credential-watch.js';

/** The part of graphql-ws's per-socket context this needs. */
interface Socket {
  connectionParams?: Readonly<Record<string, unknown>>;
  extra: { request?: IncomingMessage; socket: WatchedSocket };
}

/**
 * Access control for graphql-ws. The socket is authenticated once, at `connection_init`: a missing
 * or bad credential while auth is required makes `onConnect` return false, which graphql-ws answers
 * by closing with 4403 Forbidden. Each operation's roles are checked by `guard`, wrapped around
 * `execute` and `subscribe`: after the document is parsed, validated and chosen (whichever way
 * onSubscribe resolved it), before any resolver runs; a refused operation gets one result with
 * FORBIDDEN, as over HTTP. The credential stays watched while the socket is open: a revoked key
 * or an expired token closes it with 4403 (ws-credential-watch.ts).
 */
export function wsAccessControl(authenticator: Authenticator, watch: CredentialWatch) {
  const principals = new WeakMap<Socket, Principal>();
  return {
    async onConnect(socket: Socket): Promise<boolean> {
      const principal = await authenticator.connection(socket.connectionParams, socket.extra.request!);
      // Nothing reads the upgrade request after this; a long-lived socket need not hold it.
      socket.extra.request = undefined;
      if (!principal) return false;
      principals.set(socket, principal);
      watch.watch(socket.extra.socket, principal);
      return true;
    },
    /** The principal of an acknowledged socket (graphql-ws refuses operations before that). */
    principalOf(socket: Socket): Principal {
      const principal = principals.get(socket);
      if (!principal) throw new Error('operation on a socket that was not authenticated');
      return principal;
    },
    guard<R>(run: (args: ExecutionArgs) => R) {
      return (args: ExecutionArgs): R | { errors: GraphQLError[] } => {
        const principal = (args.contextValue as { principal?: Principal } | undefined)?.principal;
        const operation = getOperationAST(args.document, args.operationName);
        if (!principal || !operation) return { errors: [new GraphQLError('Operation refused.', { extensions: { code: ErrorCode.FORBIDDEN } })] };
        const denied = authorize(principal, args.document, operation);
        return denied ? { errors: [denied] } : run(args);
      };
    },
  };
}

export type WsAccessControl = ReturnType<typeof wsAccessControl>;
