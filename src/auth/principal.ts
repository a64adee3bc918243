/**
 * Who is calling, and with which roles (issue 6):
 * - `read`: queries and subscriptions;
 * - `ingest`: insertTicks (the bridge);
 * - `admin`: every other mutation (instruments, refresh jobs), and everything `read` and `ingest` may.
 */
export const ROLES = ['read', 'ingest', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export type Principal =
  /** Access control is off (a loopback bind, or AUTH=disabled): every role, keyed by address. */
  | { kind: 'open'; address: string }
  | { kind: 'api-key'; keyId: string; name: string; roles: readonly Role[] }
  /**
   * `subject` is the token's `sub`; tokens without one share the subject "". `expiresAt`: its
   * `exp` in milliseconds since the epoch (absent only with AUTH_JWT_ALLOW_NO_EXP).
   */
  | { kind: 'jwt'; subject: string; roles: readonly Role[]; expiresAt?: number };

export const isRole = (value: unknown): value is Role => (ROLES as readonly unknown[]).includes(value);

export function hasRole(principal: Principal, role: Role): boolean {
  if (principal.kind === 'open') return true;
  return principal.roles.includes('admin') || principal.roles.includes(role);
}

/** The key of this caller's insertTicks rate-limit bucket: the credential, or the address when open. */
export function rateKey(principal: Principal): string {
  switch (principal.kind) {
    case 'open':
      return `address:${principal.address}`;
    case 'api-key':
      return `key:${principal.keyId}`;
    case 'jwt':
      return `jwt:${principal.subject}`;
  }
}
