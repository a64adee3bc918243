import type { IncomingMessage } from 'node:http';
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { isLoopback, type Config } from '../config.js';
import { ErrorCode, StoreError } from '../errors.js';
import type { RelationalStore } from '../stores/relational/relational-store.js';
import { cachedApiKeyLookup } from './api-key-cache.js';
import { looksLikeApiKey, parseApiKey, secretMatches } from './api-key.js';
import { createJwtVerifier, JwtRefused } from './jwt.js';
import { isRole, type Principal } from './principal.js';

export interface Authenticator {
  /**
   * The caller of an HTTP request, from `Authorization: Bearer <credential>` or `x-api-key`.
   * Throws UNAUTHENTICATED (HTTP 401) for a missing or bad credential while auth is required.
   */
  http(req: IncomingMessage): Promise<Principal>;
  /**
   * The caller on a WebSocket, from `connectionParams` (`authorization: "Bearer …"` or `apiKey`),
   * else the upgrade request's headers; null refuses the connection.
   */
  connection(params: Readonly<Record<string, unknown>> | undefined, req: IncomingMessage): Promise<Principal | null>;
  /**
   * Whether an API key is now revoked or gone, for sockets opened with it: through the key cache,
   * accepting a cached answer no older than `maxAgeMs`.
   */
  isRevoked(keyId: string, maxAgeMs?: number): Promise<boolean>;
}

/**
 * Checks credentials: an API key (`mg_…`, looked up by id through a short cache, its secret's
 * hash compared in constant time) or a JWT (when one is configured). While auth is off, every
 * caller is `open` and acts with every role. Messages never repeat the credential.
 */
export function createAuthenticator(config: Config['auth'], relational: Pick<RelationalStore, 'findApiKey'>): Authenticator {
  const findKey = cachedApiKeyLookup(relational, config.keyCacheTtlMs);
  const verifyJwt = config.jwt && createJwtVerifier(config.jwt);

  async function authenticate(credential: string | undefined, address: string): Promise<Principal> {
    if (!config.required) return { kind: 'open', address };
    if (!credential) throw unauthenticated('Authentication required: send an API key or a token as `Authorization: Bearer <credential>`.');
    if (looksLikeApiKey(credential)) {
      const parsed = parseApiKey(credential);
      const row = parsed && (await findKey(parsed.id));
      // One message for a malformed, unknown, revoked or wrong key: which it was helps only a guesser.
      if (!parsed || !row || row.revokedAt !== null || !secretMatches(parsed.secret, row.secretHash))
        throw unauthenticated('The API key is not valid or has been revoked.');
      return { kind: 'api-key', keyId: row.id, name: row.name, roles: row.roles.filter(isRole) };
    }
    if (!verifyJwt) throw unauthenticated('The credential is not a marketgraph API key (mg_…), and this gateway accepts no tokens.');
    try {
      return { kind: 'jwt', ...(await verifyJwt(credential)) };
    } catch (error) {
      if (error instanceof JwtRefused) throw unauthenticated(error.message);
      throw error;
    }
  }

  return {
    async http(req) {
      try {
        return await authenticate(headerCredential(req), address(req));
      } catch (error) {
        if (error instanceof StoreError) throw keysUnavailable(error);
        throw error;
      }
    },
    async isRevoked(keyId, maxAgeMs) {
      const row = await findKey(keyId, maxAgeMs);
      return row === null || row.revokedAt !== null;
    },
    async connection(params, req) {
      const fromParams = bearer(params?.authorization ?? params?.Authorization) ?? stringOrUndefined(params?.apiKey);
      try {
        return await authenticate(fromParams ?? headerCredential(req), address(req));
      } catch (error) {
        if (error instanceof GraphQLError && error.extensions.code === ErrorCode.UNAUTHENTICATED) return null;
        throw error;
      }
    },
  };
}

/** The start-up line saying whether credentials are checked, and why. */
export function accessControlNotice({ auth, host }: Config): { level: 'info' | 'warn'; message: string } {
  const loopback = isLoopback(host);
  if (auth.required) {
    const why = auth.setting === 'required' ? 'AUTH=required' : `HOST ${host} is not a loopback address (AUTH=auto)`;
    return { level: 'info', message: `access control on: every request needs an API key${auth.jwt ? ' or a JWT' : ''} (${why})` };
  }
  if (auth.setting === 'disabled' && !loopback)
    return {
      level: 'warn',
      message: `access control DISABLED (AUTH=disabled) on ${host}: anyone who reaches this port may read, ingest and administer (requests must name a loopback host or one in ALLOWED_HOSTS)`,
    };
  const why = auth.setting === 'disabled' ? 'AUTH=disabled' : `HOST ${host} is a loopback address (AUTH=auto)`;
  return { level: 'info', message: `access control off: every request acts with every role (${why}); set AUTH=required to check credentials` };
}

function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code: ErrorCode.UNAUTHENTICATED,
      http: { status: 401, headers: new HeaderMap([['www-authenticate', 'Bearer realm="marketgraph"']]) },
    },
  });
}

function keysUnavailable(error: StoreError): GraphQLError {
  return new GraphQLError('Credentials cannot be checked: the relational store is unavailable.', {
    extensions: { code: ErrorCode.STORE_UNAVAILABLE, store: error.store, http: { status: 503 } },
    originalError: error,
  });
}

function headerCredential(req: IncomingMessage): string | undefined {
  return bearer(req.headers.authorization) ?? stringOrUndefined(req.headers['x-api-key']);
}

/** The credential of `Bearer <credential>`; a header in another scheme counts as none given. */
function bearer(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  return /^Bearer\s+(\S+)\s*$/i.exec(value)?.[1];
}

const stringOrUndefined = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

const address = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';
