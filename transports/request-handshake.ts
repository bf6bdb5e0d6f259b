import type { IncomingMessage } from 'node:http';
import type { Handshake } from '../src/ports/admission.js';

/** The Handshake of an HTTP request (an engine.io handshake, a WebSocket upgrade), for authentication. */
export function requestHandshake(transport: string, req: IncomingMessage): Handshake {
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://switchboard.invalid').searchParams);
  return {
    transport,
    remoteAddress: req.socket.remoteAddress ?? '',
    origin: req.headers.origin,
    host: req.headers.host,
    headers: req.headers,
    query,
  };
}
