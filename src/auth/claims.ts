import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** The claims a Switchboard token carries; other claims are allowed and ignored. */
export const TokenClaimsSchema = Type.Object({
  /** The user's stable id; a refresh must keep it. */
  sub: Type.String({ minLength: 1 }),
  /** When set, the session's nick is this, whatever hello asks for. */
  nick: Type.Optional(Type.String({ minLength: 1 })),
  /** When set, only these rooms may be joined (`*` allows all). */
  rooms: Type.Optional(Type.Array(Type.String())),
  /** Expiry, in seconds since the epoch (JWT NumericDate). */
  exp: Type.Optional(Type.Number()),
  /** Not valid before, in seconds since the epoch. */
  nbf: Type.Optional(Type.Number()),
  /** Issued at, in seconds since the epoch. */
  iat: Type.Optional(Type.Number()),
});

/** The claims of a Switchboard token. */
export type TokenClaims = Static<typeof TokenClaimsSchema>;

/** A compiled check of the token claims. */
export const checkClaims = TypeCompiler.Compile(TokenClaimsSchema);

/** The smallest HS256 key RFC 7518 §3.2 allows: as many bytes as the hash has. */
export const MIN_SECRET_BYTES = 32;

/** The HMAC key for a secret given as text (UTF-8) or bytes; throws when it is too short. */
export function secretKey(secret: string | Uint8Array): Uint8Array {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  if (key.length < MIN_SECRET_BYTES) {
    throw new RangeError(
      `AUTH_SECRET must be at least ${MIN_SECRET_BYTES} bytes for HS256, got ${key.length}.`,
    );
  }
  return key;
}
