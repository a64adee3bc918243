import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorCode } from '../errors.js';

/** A request turned away before any work on it, with the status and code to answer. */
export interface Refusal {
  status: number;
  code: ErrorCode;
  message: string;
  /** Seconds, for 503: when to try again. */
  retryAfterSeconds?: number;
}

const body = (refusal: Refusal) => JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });

/** Answers an HTTP request with the refusal, as a GraphQL error response. */
export function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  res.statusCode = refusal.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  if (refusal.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(refusal.retryAfterSeconds));
  res.end(body(refusal));
}

/** Answers a WebSocket upgrade with the refusal, in plain HTTP, and closes the connection. */
export function refuseUpgrade(_req: IncomingMessage, socket: Duplex, refusal: Refusal): void {
  const text = body(refusal);
  const retry = refusal.retryAfterSeconds !== undefined ? `Retry-After: ${refusal.retryAfterSeconds}\r\n` : '';
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(text)}\r\n${retry}Connection: close\r\n\r\n${text}`,
  );
}
