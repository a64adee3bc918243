import { createClient, type Client, type SubscribePayload } from 'graphql-ws';
import WebSocket from 'ws';

export interface WsResult {
  data?: any;
  /** From `next` messages (resolver errors) or from the `error` message (the operation was refused). */
  errors?: { message: string; extensions?: Record<string, unknown>; [key: string]: unknown }[];
  /** The socket closed instead: graphql-ws's close event. */
  closed?: { code: number; reason: string };
}

/** A graphql-ws client on the gateway's WebSocket path, failing instead of reconnecting. */
export const wsClient = (wsUrl: string): Client => createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });

/**
 * Runs one operation over graphql-ws and gathers what came back until it completed or failed;
 * after `timeoutMs` (a subscription that is running) it unsubscribes and resolves `pending`.
 */
export function wsRequest(client: Client, payload: SubscribePayload, timeoutMs = 10_000): Promise<WsResult & { pending?: true }> {
  return new Promise((resolve) => {
    const result: WsResult = {};
    const timer = setTimeout(() => {
      unsubscribe();
      resolve({ ...result, pending: true });
    }, timeoutMs);
    const done = (value: WsResult) => {
      clearTimeout(timer);
      resolve(value);
    };
    const unsubscribe = client.subscribe(payload, {
      next: (message) => {
        if (message.data !== undefined) result.data = message.data;
        if (message.errors) result.errors = [...(result.errors ?? []), ...(message.errors as WsResult['errors'] & object)];
      },
      error: (error) => {
        if (Array.isArray(error)) done({ ...result, errors: error });
        else if (error && typeof error === 'object' && 'code' in error) done({ ...result, closed: { code: Number(error.code), reason: String((error as { reason?: unknown }).reason) } });
        else done({ ...result, errors: [{ message: String(error) }] });
      },
      complete: () => done(result),
    });
  });
}
