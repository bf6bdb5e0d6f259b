import type { IncomingMessage } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as EngineServer } from 'engine.io';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Session } from '../../src/core/session.js';
import type { Refusal, Ticket } from '../../src/ports/admission.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { payloadLimit, type TransportContext } from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { queryOf, requestHandshake } from '../request-handshake.js';
import { DirectSocket, EngineHeartbeat } from './direct.js';

/** engine.io's check of the Origin header (its `checkInvalidHeaderChar`): such a handshake is engine.io's to refuse. */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** What the endpoint needs of the transport: the context, and where open sessions are counted. */
export interface DirectContext {
  context: TransportContext;
  /** Answers a refused handshake (the transport's own refusal answer). */
  refuse(req: IncomingMessage, refusal: Refusal): void;
  /** A session opened; `closed` is called once when it ends. */
  opened(socket: DirectSocket): void;
  closed(socket: DirectSocket): void;
}

/** Stops the endpoint: its heartbeat timers. */
export type StopDirect = () => void;

/**
 * Serves the engine.io handshakes that begin on WebSocket (`?EIO=4&transport=websocket`, no sid) as
 * DirectSockets, in front of engine.io's own upgrade handling: admission, the upgrade, the `open` packet
 * (in the same write as the `101` answer) and the session, with no engine.io Socket, Transport or kept
 * request per connection. Every other upgrade on the path (a polling session's upgrade, EIO=3, a bad
 * handshake engine.io refuses with its own answer) still goes to engine.io.
 */
export function serveDirectSessions(eio: EngineServer, direct: DirectContext): StopDirect {
  const { hub, config, admission, observer } = direct.context;
  const maxPayload = payloadLimit(config.maxFrameBytes);
  // The same WebSocket settings engine.io gives its own ws server.
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload,
  });
  const heartbeat = new EngineHeartbeat({
    pingIntervalMs: config.pingIntervalMs,
    pingTimeoutMs: config.pingTimeoutMs,
  });
  const engineUpgrade = eio.handleUpgrade.bind(eio);
  eio.handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // engine.io reads an existing `_query` rather than parse the URL again.
    const query = queryOf(req.url ?? '/');
    (req as { _query?: Record<string, string> })._query = query;
    const origin = req.headers.origin;
    if (
      query.transport !== 'websocket' ||
      query.EIO !== '4' ||
      query.sid !== undefined ||
      req.method !== 'GET' ||
      (origin !== undefined && INVALID_HEADER_CHAR.test(origin))
    ) {
      engineUpgrade(req, socket, head);
      return;
    }
    const sid = eio.generateId(req);
    if (typeof sid !== 'string') {
      engineUpgrade(req, socket, head);
      return;
    }
    const verdict = admission.admit(requestHandshake('engineio', req, config.trustProxy));
    if (!verdict.ok) {
      direct.refuse(req, verdict);
      return;
    }
    // The release itself is the listener: a closure here would keep this request alive with the socket.
    socket.once('close', verdict.release);
    // The 101 answer and the `open` packet leave in one write (ws writes the answer before calling back).
    socket.cork();
    wss.handleUpgrade(req, socket, head, (ws) => {
      open(ws, socket as NetSocket, sid, verdict);
    });
    socket.uncork();
  };

  /** Makes the session of an accepted WebSocket. Takes no request: nothing of it outlives the handshake. */
  function open(ws: WebSocket, raw: NetSocket, sid: string, ticket: Ticket): void {
    let session: Session | undefined;
    let conn: ObservedConnection | undefined;
    const socket = new DirectSocket(ws, raw, heartbeat, {
      message(text) {
        conn?.received();
        session?.receive(text);
      },
      binary() {
        conn?.received();
        session?.invalid(new ProtocolError('bad_frame', 'Binary frames are not part of the protocol.'));
      },
      closed() {
        conn?.gone();
        session?.closed();
        direct.closed(socket);
      },
    });
    socket.open(sid, maxPayload);
    conn = new ObservedConnection(socket, observer);
    const { handshake } = ticket;
    session = hub.open(conn, { origin: handshake.origin, remoteAddress: handshake.remoteAddress, handshake });
    direct.opened(socket);
  }

  return () => {
    heartbeat.stop();
    wss.close();
  };
}
