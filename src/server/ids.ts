import { randomBytes } from 'node:crypto';

/** A new unguessable id: the prefix, an underscore and 16 random bytes in base64url. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}

/** A short random epoch string for a fresh room history. */
export function newEpoch(): string {
  return randomBytes(6).toString('base64url');
}
