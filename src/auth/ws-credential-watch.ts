import type { Principal } from './principal.js';

/** The part of a ws socket this needs. */
export interface WatchedSocket {
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

// graphql-ws's CloseCode.Forbidden, as for a credential refused at connection_init.
const FORBIDDEN = 4403;
// setTimeout's longest delay (about 24.8 days); a later `exp` is waited for in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CredentialWatchOptions {
  /**
   * Whether an API key is revoked or gone now, through the key cache, taking a cached answer no
   * older than `maxAgeMs`: at most one query per key per poll.
   */
  isRevoked: (keyId: string, maxAgeMs: number) => Promise<boolean>;
  /** The key cache's TTL (AUTH_KEY_CACHE_TTL_MS): a revoked key's sockets close within it. */
  ttlMs: number;
  /** How often the keys of open sockets are looked up again. */
  pollMs: number;
  /** A lookup that failed (the relational store is down): the socket stays open. */
  onError: (error: unknown) => void;
}

/**
 * Credentials checked again on open sockets (issue 13): a socket authenticated once at
 * connection_init would otherwise outlive a revoked key or an expired token by hours. A socket
 * of an API key is closed with 4403 once a lookup finds the key revoked; a socket of a JWT with
 * `exp` is closed with 4403 at `exp`.
 *
 * Within the TTL, as HTTP: a poll accepts a cached answer only if it is younger than the TTL less
 * one poll, so the first poll later than that after a revocation (at most one poll later, so at
 * most the TTL after it) asks the store.
 */
export function createCredentialWatch({ isRevoked, pollMs, ttlMs, onError }: CredentialWatchOptions) {
  const maxAgeMs = Math.max(ttlMs - pollMs, 0);
  const keyOf = new Map<WatchedSocket, string>();
  const expiries = new Map<WatchedSocket, NodeJS.Timeout>();
  let poller: NodeJS.Timeout | undefined;

  async function poll(): Promise<void> {
    for (const keyId of new Set(keyOf.values())) {
      let revoked: boolean;
      try {
        revoked = await isRevoked(keyId, maxAgeMs);
      } catch (error) {
        onError(error);
        continue;
      }
      if (!revoked) continue;
      for (const [socket, id] of keyOf) if (id === keyId) socket.close(FORBIDDEN, 'Forbidden: the API key has been revoked');
    }
  }

  function expireAt(socket: WatchedSocket, at: number): void {
    const wait = at - Date.now();
    if (wait <= 0) return socket.close(FORBIDDEN, 'Forbidden: the token has expired');
    expiries.set(socket, setTimeout(() => expireAt(socket, at), Math.min(wait, MAX_TIMER_MS)).unref());
  }

  function forget(socket: WatchedSocket): void {
    keyOf.delete(socket);
    clearTimeout(expiries.get(socket));
    expiries.delete(socket);
    if (keyOf.size === 0 && poller) {
      clearInterval(poller);
      poller = undefined;
    }
  }

  return {
    watch(socket: WatchedSocket, principal: Principal): void {
      if (principal.kind === 'api-key') {
        keyOf.set(socket, principal.keyId);
        poller ??= setInterval(() => void poll(), pollMs).unref();
      } else if (principal.kind === 'jwt' && principal.expiresAt !== undefined) {
        expireAt(socket, principal.expiresAt);
      } else return;
      socket.once('close', () => forget(socket));
    },
    stop(): void {
      for (const socket of [...keyOf.keys(), ...expiries.keys()]) forget(socket);
    },
  };
}

export type CredentialWatch = ReturnType<typeof createCredentialWatch>;

/** Every quarter of the key cache's TTL, between 100 ms and 5 s; each second without a cache. */
export const keyPollMs = (ttlMs: number): number => (ttlMs === 0 ? 1_000 : Math.min(Math.max(ttlMs / 4, 100), 5_000));
