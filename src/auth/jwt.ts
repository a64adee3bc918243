import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ConfigError, type AuthConfig } from '../config.js';
import { isRole, type Role } from './principal.js';

export type JwtConfig = NonNullable<AuthConfig['jwt']>;

/** What a verified token grants; a token that fails verification throws JwtRefused. */
export type VerifyJwt = (token: string) => Promise<{ subject: string; roles: Role[]; expiresAt?: number }>;

/** Why a token was refused, in words safe to send back (never the token). */
export class JwtRefused extends Error {}

// Leeway for clocks that disagree a little, on exp and nbf.
const CLOCK_TOLERANCE_S = 5; // seconds

/**
 * A verifier for the configured key. The accepted algorithms follow from the key, so a token can
 * never pick its own (an RS256 public key used as an HS256 secret is the classic forgery).
 */
export function createJwtVerifier(config: JwtConfig): VerifyJwt {
  const { key, algorithms } = verificationKey(config.key);
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms,
        issuer: config.issuer,
        audience: config.audience,
        clockTolerance: CLOCK_TOLERANCE_S,
        // Without `exp` a token is valid forever, and so is a WebSocket opened with it (issue 13).
        requiredClaims: config.requireExp ? ['exp'] : [],
      }));
    } catch (error) {
      // A JWKS endpoint that does not answer is the gateway's problem, not the token's: not a 401.
      if (!(error instanceof errors.JOSEError) || error instanceof errors.JWKSTimeout) throw error;
      throw new JwtRefused(reason(error), { cause: error });
    }
    return {
      subject: typeof payload.sub === 'string' ? payload.sub : '',
      roles: rolesIn(claim(payload, config.rolesClaim)),
      expiresAt: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  };
}

function verificationKey(key: JwtConfig['key']): { key: Uint8Array | KeyObject | JWTVerifyGetKey; algorithms: string[] } {
  switch (key.kind) {
    case 'secret':
      return { key: new TextEncoder().encode(key.secret), algorithms: ['HS256'] };
    case 'jwks':
      return { key: createRemoteJWKSet(new URL(key.url)), algorithms: ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] };
    case 'public-key': {
      let publicKey: KeyObject;
      try {
        publicKey = createPublicKey(key.pem);
      } catch {
        throw new ConfigError('invalid configuration: AUTH_JWT_PUBLIC_KEY is not a PEM public key');
      }
      if (publicKey.asymmetricKeyType === 'rsa') return { key: publicKey, algorithms: ['RS256'] };
      if (publicKey.asymmetricKeyType === 'ec' && publicKey.asymmetricKeyDetails?.namedCurve === 'prime256v1')
        return { key: publicKey, algorithms: ['ES256'] };
      throw new ConfigError('invalid configuration: AUTH_JWT_PUBLIC_KEY must be an RSA (RS256) or P-256 (ES256) public key');
    }
  }
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired.';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing')
    return 'The token has no exp claim; this gateway accepts only tokens that expire.';
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not accepted.`;
  return 'The token is not valid.';
}

/** The roles claim: a top-level claim by that name, else a dotted path (`realm_access.roles`). */
function claim(payload: JWTPayload, name: string): unknown {
  if (name in payload) return payload[name];
  return name.split('.').reduce<unknown>((value, part) => (value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined), payload);
}

/** An array of roles or a string of them separated by spaces or commas; unknown roles are ignored. */
function rolesIn(value: unknown): Role[] {
  const list = typeof value === 'string' ? value.split(/[\s,]+/) : Array.isArray(value) ? value : [];
  return [...new Set(list.filter(isRole))];
}
