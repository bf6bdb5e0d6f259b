import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type AnyErrorCode, ERRORS, statusOf } from '../../src/protocol/errors.js';

/** The subprotocol of protocol v1 over a raw WebSocket. */
export const SUBPROTOCOL_V1 = 'switchboard.v1';

/**
 * Which subprotocol a handshake gets: `switchboard.v1` when it is offered, none when nothing is offered (v1
 * too), and `false` when only other subprotocols are offered. A client that asks for, say, only
 * `switchboard.v2` must not be spoken v1 to, and answering without a subprotocol would make it fail with an
 * opaque handshake error, so it is refused with a reason instead.
 */
export function selectSubprotocol(header: string | undefined): string | undefined | false {
  if (header === undefined || header.trim() === '') return undefined;
  const offered = header.split(',').map((p) => p.trim());
  return offered.includes(SUBPROTOCOL_V1) ? SUBPROTOCOL_V1 : false;
}

/**
 * Answers an upgrade request with an HTTP error `{ statusCode, code, message }` and closes the socket;
 * `headers` are extra header lines (`Name: value\r\n` each).
 */
export function refuseUpgrade(
  socket: Duplex,
  code: AnyErrorCode,
  message: string = ERRORS[code].message,
  headers = '',
): void {
  const statusCode = statusOf(code);
  const body = JSON.stringify({ statusCode, code, message });
  socket.on('error', () => {});
  socket.end(
    `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? 'Error'}\r\n` +
      `Connection: close\r\nContent-Type: application/json; charset=utf-8\r\n${headers}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
