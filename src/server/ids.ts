import { randomBytes, randomFillSync } from 'node:crypto';

/** Random bytes of one id. */
const ID_BYTES = 16;
/**
 * Ids are cut from one pool of random bytes, refilled when used up: one call into the CSPRNG per 256 ids
 * rather than one per id (a connect storm makes one session id per connection). Each byte is used once.
 */
const pool = Buffer.allocUnsafe(ID_BYTES * 256);
let used = pool.length;

/** A new unguessable id: the prefix, an underscore and 16 random bytes in base64url. */
export function newId(prefix: string): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const start = used;
  used += ID_BYTES;
  return `${prefix}_${pool.toString('base64url', start, used)}`;
}

/** A short random epoch string for a fresh room history. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}
