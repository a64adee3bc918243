import type { IncomingMessage } from 'node:http';
import { isLoopback, type Config } from '../config.js';
import { ErrorCode } from '../errors.js';
import type { Refusal } from './refusal.js';

/**
 * While access control is off (a loopback bind, the default), only this machine should reach the
 * gateway, but a browser on this machine runs other sites' scripts (issue 13):
 * - DNS rebinding: a page of `evil.example`, its name now resolving to 127.0.0.1, reads the gateway
 *   with `Host: evil.example`. A request must name a loopback host or one in ALLOWED_HOSTS.
 * - Cross-site WebSockets: browsers apply no same-origin policy to `ws://127.0.0.1:4000`, so any
 *   page could run admin mutations. An upgrade with an `Origin` must come from the gateway's own
 *   origin (the `Host` it was reached by: the market page, the explorer) or one in ALLOWED_ORIGINS.
 *   Clients that are not browsers send no Origin and are let through.
 * HTTP requests need no Origin check: Apollo's CSRF prevention refuses the requests a page could
 * send without a CORS preflight, and the gateway answers no preflight.
 * With access control on, credentials decide instead, and neither check applies.
 */
export function createHostOriginCheck(config: Pick<Config, 'auth' | 'allowed'>) {
  const open = !config.auth.required;
  const anyHost = config.allowed.hosts.includes('*');
  const anyOrigin = config.allowed.origins.includes('*');

  function host(req: IncomingMessage): Refusal | undefined {
    if (!open || anyHost) return undefined;
    const name = hostname(req.headers.host);
    if (name !== undefined && (isLoopback(name) || config.allowed.hosts.includes(name))) return undefined;
    return {
      status: 403,
      code: ErrorCode.FORBIDDEN,
      message: 'This gateway answers requests for loopback host names only while access control is off; add the name to ALLOWED_HOSTS.',
    };
  }

  function origin(req: IncomingMessage): Refusal | undefined {
    const given = req.headers.origin;
    if (!open || anyOrigin || given === undefined) return undefined;
    const own = `${isTls(req) ? 'https' : 'http'}://${(req.headers.host ?? '').toLowerCase()}`;
    const normalized = given.toLowerCase();
    if (normalized === own || config.allowed.origins.includes(normalized)) return undefined;
    return {
      status: 403,
      code: ErrorCode.FORBIDDEN,
      message: "WebSocket connections from another site's page are refused while access control is off; add its origin to ALLOWED_ORIGINS.",
    };
  }

  return { host, origin };
}

export type HostOriginCheck = ReturnType<typeof createHostOriginCheck>;

/** The name in a Host header, without its port: `[::1]:4000` → `::1`, `localhost:4000` → `localhost`. */
function hostname(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^(\[[^\]]+\]|[^:]+)(:\d+)?$/.exec(header.trim().toLowerCase());
  return match?.[1]!.replace(/^\[|\]$/g, '');
}

const isTls = (req: IncomingMessage): boolean => 'encrypted' in req.socket && req.socket.encrypted === true;
