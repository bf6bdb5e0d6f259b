import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { refuseUpgrade } from './rawws/handshake.js';

/** RFC 6455 1.3: appended to the client's key before hashing. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A key is 16 random bytes in base64 (RFC 6455 4.1): 22 characters and `==`. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** An RFC 7230 token, what each subprotocol name must be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Why an upgrade request is not a WebSocket handshake, as `ws` says it. */
export interface NotWebSocket {
  ok: false;
  message: string;
  /** Set when the version was wrong: the versions to offer in `Sec-WebSocket-Version`. */
  versions?: string;
}

/** A WebSocket handshake accepted: the `101` answer to write, subprotocol chosen. */
export interface Accepted {
  ok: true;
  head: string;
}

/**
 * The subprotocols a client offers (`Sec-WebSocket-Protocol`, a comma-separated token list, no repeats),
 * or `undefined` when the header is malformed.
 */
export function offeredSubprotocols(header: string | undefined): string[] | undefined {
  if (header === undefined) return [];
  const names = header.split(',').map((name) => name.trim());
  if (names.some((name) => !TOKEN.test(name)) || new Set(names).size !== names.length) return undefined;
  return names;
}

/**
 * Checks an upgrade request as RFC 6455 4.2.1 and `ws` do (GET, `Upgrade: websocket`, a well-formed key,
 * version 13 or 8, a well-formed subprotocol list), and makes the `101` answer with the subprotocol
 * `choose` picks among the offered ones (by default the first, as `ws` does). No extension is ever
 * negotiated. Only a valid handshake costs a hash.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  choose: (offered: string[]) => string | undefined = (offered) => offered[0],
): Accepted | NotWebSocket {
  const { headers } = req;
  if (req.method !== 'GET') return { ok: false, message: 'Invalid HTTP method' };
  if (headers.upgrade?.toLowerCase() !== 'websocket') return { ok: false, message: 'Invalid Upgrade header' };
  const key = headers['sec-websocket-key'];
  if (key === undefined || !KEY.test(key))
    return { ok: false, message: 'Missing or invalid Sec-WebSocket-Key header' };
  const version = Number(headers['sec-websocket-version']);
  if (version !== 13 && version !== 8) {
    return { ok: false, message: 'Missing or invalid Sec-WebSocket-Version header', versions: '13, 8' };
  }
  const offered = offeredSubprotocols(headers['sec-websocket-protocol']);
  if (offered === undefined) return { ok: false, message: 'Invalid Sec-WebSocket-Protocol header' };
  const protocol = offered.length > 0 ? choose(offered) : undefined;
  const accept = createHash('sha1')
    .update(key + GUID)
    .digest('base64');
  return {
    ok: true,
    head:
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\n${protocol ? `Sec-WebSocket-Protocol: ${protocol}\r\n` : ''}\r\n`,
  };
}

/**
 * The `101` answer for an upgrade request, or `undefined` when there is none to give: a request that is
 * not a WebSocket handshake is answered 400 with why (and the versions served, for a wrong one), and a
 * socket already gone is destroyed.
 */
export function answerUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  choose?: (offered: string[]) => string | undefined,
): string | undefined {
  const verdict = acceptWebSocket(req, choose);
  if (!verdict.ok) {
    const versions = verdict.versions ? `Sec-WebSocket-Version: ${verdict.versions}\r\n` : '';
    refuseUpgrade(socket, 'bad_request', verdict.message, versions);
    return undefined;
  }
  if (!socket.readable || !socket.writable) {
    socket.destroy();
    return undefined;
  }
  return verdict.head;
}
