import { parseCookie } from 'cookie';
import type { Handshake } from '../ports/admission.js';

/** The cookie a page can set so its connections carry a token without putting it in the URL. */
export const TOKEN_COOKIE = 'switchboard_token';

const BEARER_RE = /^Bearer[ \t]+([^ \t]+)[ \t]*$/i;

const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * The token a handshake carries, looked for in this order: an `Authorization: Bearer` header, a `token`
 * query parameter, a `switchboard_token` cookie. Undefined when none has one.
 */
export function tokenFromHandshake(handshake: Handshake): string | undefined {
  const bearer = BEARER_RE.exec(first(handshake.headers.authorization) ?? '')?.[1];
  if (bearer) return bearer;
  const query = handshake.query.token;
  if (query) return query;
  const cookie = first(handshake.headers.cookie);
  return (cookie && parseCookie(cookie)[TOKEN_COOKIE]) || undefined;
}
