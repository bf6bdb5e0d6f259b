import type { IncomingMessage } from 'node:http';
import type { Handshake } from '../src/ports/admission.js';
import { clientAddress } from '../src/server/admission.js';

/** The query string of a request URL as an object (the last value of a repeated key wins). */
export function queryOf(url: string): Record<string, string> {
  const q = url.indexOf('?');
  // Most handshakes (a raw WebSocket's `/ws`) have none: no parser is made for them.
  if (q === -1) return {};
  const hash = url.indexOf('#', q);
  const search = hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash);
  // Every engine.io request parses its query (three per polling connect): a plain one is split by hand,
  // anything with escapes, `+` or a `__proto__` key takes URLSearchParams, which agrees on the plain ones.
  if (PLAIN_QUERY.test(search) && !search.includes('__proto__')) return splitPlainQuery(search);
  return Object.fromEntries(new URLSearchParams(search));
}

/** A query with nothing to decode. */
const PLAIN_QUERY = /^[^%+]*$/;

/** `a=1&b&c=2` as URLSearchParams reads it (empty pairs dropped, a bare name is ''), for a query without escapes. */
function splitPlainQuery(search: string): Record<string, string> {
  const out: Record<string, string> = {};
  let start = 0;
  while (start <= search.length) {
    let end = search.indexOf('&', start);
    if (end === -1) end = search.length;
    if (end > start) {
      const eq = search.indexOf('=', start);
      if (eq === -1 || eq > end) out[search.slice(start, end)] = '';
      else out[search.slice(start, eq)] = search.slice(eq + 1, end);
    }
    start = end + 1;
  }
  return out;
}

/** The Handshake of an HTTP request (an engine.io handshake, a WebSocket upgrade), for admission and authentication. */
export function requestHandshake(transport: string, req: IncomingMessage, trustProxy = false): Handshake {
  // engine.io has parsed the query of its requests already (`_query`, the same object from the same URL).
  const parsed = (req as { _query?: Record<string, string> })._query;
  return {
    transport,
    remoteAddress: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy),
    origin: req.headers.origin,
    host: req.headers.host,
    headers: req.headers,
    query: parsed ? { ...parsed } : queryOf(req.url ?? '/'),
  };
}
