import { randomBytes, randomFillSync } from 'node:crypto';

/**
 * Tokens are cut from one pool of random bytes, refilled when used up: one call into the CSPRNG per few
 * hundred tokens rather than one per token (a connect storm makes a session id or two per connection).
 * Each byte is used once.
 */
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

/** `bytes` random bytes (at most 4096) in base64url: an unguessable token. */
export function randomToken(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const start = used;
  used += bytes;
  return pool.toString('base64url', start, used);
}

/** A new unguessable id: the prefix, an underscore and 16 random bytes in base64url. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(16)}`;
}

/** A short random epoch string for a fresh room history. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}
