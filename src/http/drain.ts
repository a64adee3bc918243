import type { Server } from 'node:http';

/**
 * Stops accepting connections and resolves once every request already received has been
 * answered, so that a batch still uploading when SIGTERM arrives is read, stored and answered
 * (issue 13: it was answered 500 once Apollo had stopped under it). A connection goes as soon
 * as it is idle; after `timeoutMs`, the ones still busy are closed, so a client that never
 * finishes its upload cannot hold the shutdown past the 10 s `docker stop` allows by default.
 */
export function drainHttpServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive connection turns idle when its response ends: closed then, not at its timeout.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
  return closed.finally(() => {
    clearInterval(idle);
    clearTimeout(force);
  });
}
