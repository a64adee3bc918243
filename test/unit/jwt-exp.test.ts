import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier, JwtRefused } from '../../src/auth/jwt.js';

const SECRET = 'a-unit-test-secret-of-at-least-32-chars';
const verifier = (requireExp: boolean) => createJwtVerifier({ key: { kind: 'secret', secret: SECRET }, rolesClaim: 'roles', requireExp });
const sign = (exp?: number) => {
  const jwt = new SignJWT({ roles: ['read'] }).setProtectedHeader({ alg: 'HS256' });
  return (exp === undefined ? jwt : jwt.setExpirationTime(exp)).sign(new TextEncoder().encode(SECRET));
};

describe('a JWT without exp (issue 13)', () => {
  it('is refused by default, saying why', async () => {
    await expect(verifier(true)(await sign())).rejects.toThrow(JwtRefused);
    await expect(verifier(true)(await sign())).rejects.toThrow(/no exp claim/);
  });

  it('is accepted with AUTH_JWT_ALLOW_NO_EXP, and then has no expiry', async () => {
    const granted = await verifier(false)(await sign());
    expect(granted.roles).toEqual(['read']);
    expect(granted.expiresAt).toBeUndefined();
  });

  it("gives a token's exp in milliseconds, for the socket opened with it", async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    expect((await verifier(true)(await sign(exp))).expiresAt).toBe(exp * 1000);
  });
});
