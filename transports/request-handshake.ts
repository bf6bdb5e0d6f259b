import type { IncomingMessage } from 'node:http';
import type { Handshake } from '../src/ports/admission.js';
import { clientAddress } from '../src/server/admission.js';

/** The Handshake of an HTTP request (an engine.io handshake, a WebSocket upgrade), for admission and authentication. */
export function requestHandshake(transport: string, req: IncomingMessage, trustProxy = false): Handshake {
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://switchboard.invalid').searchParams);
  return {
    transport,
    remoteAddress: clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustProxy),
    origin: req.headers.origin,
    host: req.headers.host,
    headers: req.headers,
    query,
  };
}
