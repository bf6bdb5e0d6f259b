import { errors, jwtVerify } from 'jose';
import type { Authenticate, AuthResult, Identity } from '../ports/admission.js';
import { checkClaims, secretKey } from './claims.js';
import { tokenFromHandshake } from './handshake-token.js';

/** What the built-in token verifier needs. */
export interface TokenVerifierOptions {
  /** The HS256 key (`AUTH_SECRET`): text (UTF-8) or bytes, at least 32 bytes. */
  secret: string | Uint8Array;
  /** Milliseconds since the epoch; injected so expiry can be tested without waiting. */
  clock: () => number;
}

const refuse = (code: 'unauthorized' | 'token_expired', message: string): AuthResult => ({
  ok: false,
  code,
  message,
});

/**
 * The built-in Authenticate of `switchboard serve`: verifies an HS256 JWT taken from hello (or refresh)
 * or, when that has none, from the handshake (see tokenFromHandshake), and maps its claims to an Identity.
 */
export function createTokenVerifier(options: TokenVerifierOptions): Authenticate {
  const key = secretKey(options.secret);
  return async (request) => {
    const token = request.token ?? (request.handshake ? tokenFromHandshake(request.handshake) : undefined);
    if (!token) return refuse('unauthorized', 'A token is required.');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        currentDate: new Date(options.clock()),
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) return refuse('token_expired', 'The token has expired.');
      // A bad signature, a malformed token, another algorithm or a token not yet valid: none says who.
      return refuse('unauthorized', 'The token is not valid.');
    }
    if (!checkClaims.Check(payload))
      return refuse('unauthorized', 'The token lacks a subject or has malformed claims.');
    const identity: Identity = { subject: payload.sub };
    if (payload.nick !== undefined) identity.nick = payload.nick;
    if (payload.rooms !== undefined) identity.rooms = payload.rooms;
    if (payload.exp !== undefined) identity.expiresAt = payload.exp * 1000;
    return { ok: true, identity };
  };
}
