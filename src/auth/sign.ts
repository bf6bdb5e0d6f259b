import { SignJWT } from 'jose';
import { secretKey, type TokenClaims } from './claims.js';

/** Signs `claims` into an HS256 JWT with `secret` (for tests, docs and servers that mint their own tokens). */
export function signToken(secret: string | Uint8Array, claims: TokenClaims): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(secretKey(secret));
}
