import type { IncomingMessage } from 'node:http';
import type { Handshake } from '../src/ports/admission.js';
import { clientAddress } from '../src/server/admission.js';

/** The query string of a request URL as an object (the last value of a repeated key wins). */
export function queryOf(url: string): Record<string, string> {
  const q = url.indexOf('?');
  // Most handshakes (a raw WebSocket's `/ws`) have none: no parser is made for them.
  if (q === -1) return {};
  const hash = url.indexOf('#', q);
  return Object.fromEntries(new URLSearchParams(hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash)));
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
