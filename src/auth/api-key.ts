import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// `mg_<id>_<secret>`: the id (64 random bits, hex) finds the row without a scan and names the key
// in `keys list` and logs; the secret (256 random bits, base64url) is what proves the caller.
const KEY_FORMAT = /^mg_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface NewKey {
  id: string;
  /** The whole key, shown to its owner once and never stored. */
  key: string;
  secretHash: string;
}

export function generateApiKey(): NewKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `mg_${id}_${secret}`, secretHash: hashSecret(secret) };
}

/** The id and secret of a string shaped like a key; undefined for anything else. */
export function parseApiKey(text: string): { id: string; secret: string } | undefined {
  const match = KEY_FORMAT.exec(text);
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export const looksLikeApiKey = (text: string): boolean => text.startsWith('mg_');

/**
 * SHA-256, not a slow password hash (bcrypt, scrypt): the secret is 256 random bits, so no
 * dictionary or brute force over the hash is feasible, whatever its speed; a slow hash would only
 * add its cost (~50-100 ms by design) to every lookup. What the hash buys is that a copy of the
 * table (a backup, a replica) cannot be used to call the gateway.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares in constant time, so response timing tells nothing about how much of a guess matched. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
