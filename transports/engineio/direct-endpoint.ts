import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Server as EngineServer } from 'engine.io';
import type { Session } from '../../src/core/session.js';
import type { Handshake, Refusal, Ticket } from '../../src/ports/admission.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { payloadLimit, type TransportContext } from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { refuseUpgrade } from '../rawws/handshake.js';
import { queryOf, requestHandshake } from '../request-handshake.js';
import { answerUpgrade } from '../ws-upgrade.js';
import { type DirectEvents, DirectSocket, EngineHeartbeat } from './direct.js';
import { answerEngineError, PollingSession } from './direct-polling.js';

/** engine.io's check of the Origin header (its `checkInvalidHeaderChar`): such a handshake is engine.io's to refuse. */
const INVALID_HEADER_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/** What the endpoint needs of the transport: the context, and where open sessions are counted. */
export interface DirectContext {
  context: TransportContext;
  /** Answers a refused handshake (the transport's own refusal answer); `res` for a polling one. */
  refuse(req: IncomingMessage, refusal: Refusal, res?: ServerResponse): void;
  /** A session opened; `closed` is called once when it ends. */
  opened(socket: DirectSession): void;
  closed(socket: DirectSession): void;
}

/** A session the endpoint serves, as the transport sees it at shutdown. */
export type DirectSession = DirectSocket | PollingSession;

/** Stops the endpoint: its heartbeat timers. */
export type StopDirect = () => void;

/**
 * The events of one accepted session's connection, feeding the hub session that `start` opens. One object
 * with methods rather than a closure per event: an idle connection holds it for its whole life.
 */
class SessionWiring implements DirectEvents {
  private session: Session | undefined;
  private conn: ObservedConnection | undefined;
  private connection: DirectSession | undefined;

  /**
   * For a session that began on long-polling, its `sid` in `polling`, which it leaves when it ends, and
   * its admission `release`. The ticket itself is not kept: its handshake (headers and all) is the hub
   * session's until hello, and nobody's after.
   */
  constructor(
    private readonly direct: DirectContext,
    private readonly polling?: { sessions: Map<string, PollingSession>; sid: string; release: () => void },
  ) {}

  message(text: string): void {
    this.conn?.received();
    this.session?.receive(text);
  }

  binary(): void {
    this.conn?.received();
    this.session?.invalid(new ProtocolError('bad_frame', 'Binary frames are not part of the protocol.'));
  }

  closed(): void {
    if (this.polling) {
      this.polling.sessions.delete(this.polling.sid);
      this.polling.release();
    }
    this.conn?.gone();
    this.session?.closed();
    if (this.connection) this.direct.closed(this.connection);
  }

  upgraded(): void {
    this.conn?.changed('websocket');
    this.session?.setTransport('websocket');
  }

  /** Opens the hub session over `opened`, once it has written its `open` packet. */
  start(opened: DirectSession, handshake: Handshake): void {
    const { hub, observer } = this.direct.context;
    this.connection = opened;
    this.conn = new ObservedConnection(opened, observer);
    this.session = hub.open(this.conn, {
      origin: handshake.origin,
      remoteAddress: handshake.remoteAddress,
      handshake,
    });
    this.direct.opened(opened);
  }
}

/**
 * Serves engine.io v4 sessions without engine.io's Socket, Transport or kept request per connection, in
 * front of engine.io's own request and upgrade handling: handshakes that begin on WebSocket
 * (`?EIO=4&transport=websocket`, no sid) as DirectSockets, with the `open` packet in the same write as the
 * `101` answer; handshakes on long-polling (`?EIO=4&transport=polling`, no sid) as PollingSessions, their
 * polls, POSTs and upgrade to WebSocket. Admission runs here as it does for engine.io's. Everything else
 * (EIO=3, a malformed handshake, a sid this node does not hold) still goes to engine.io, which answers it
 * with its own error.
 */
export function serveDirectSessions(eio: EngineServer, direct: DirectContext): StopDirect {
  const { config, admission } = direct.context;
  const maxPayload = payloadLimit(config.maxFrameBytes);
  const upgrades = config.websocket ? ['websocket'] : [];
  const heartbeat = new EngineHeartbeat({
    pingIntervalMs: config.pingIntervalMs,
    pingTimeoutMs: config.pingTimeoutMs,
  });
  /** Open polling sessions by sid, upgraded ones too (their polling requests are refused). */
  const polling = new Map<string, PollingSession>();

  const engineRequest = eio.handleRequest.bind(eio);
  eio.handleRequest = (req: IncomingMessage, res: ServerResponse) => {
    // engine.io reads an existing `_query` rather than parse the URL again.
    const query = queryOf(req.url ?? '/');
    (req as { _query?: Record<string, string> })._query = query;
    const { sid } = query;
    if (query.EIO === '3' && query.transport === 'polling' && sid === undefined && req.method === 'GET') {
      // Protocol 3 is not served, but its handshake still runs admission: the browser client asks it why a
      // WebSocket never opened (a browser hides the refused upgrade's answer), and no session is made.
      const ticket = admit(req, res);
      ticket?.release();
      if (ticket) answerEngineError(res, 5, 'Unsupported protocol version');
      return;
    }
    if (query.EIO !== '4' || query.transport !== 'polling') {
      engineRequest(req, res);
      return;
    }
    if (sid === undefined) {
      if (req.method === 'GET' && validOrigin(req)) handshakePolling(req, res);
      else engineRequest(req, res);
      return;
    }
    const session = polling.get(sid);
    if (session === undefined) engineRequest(req, res);
    else if (session.upgradedAway) answerEngineError(res, 3, 'Bad request');
    else if (req.method === 'GET') session.onPoll(res);
    else if (req.method === 'POST') session.onData(req, res);
    else {
      res.writeHead(500);
      res.end();
    }
  };

  const engineUpgrade = eio.handleUpgrade.bind(eio);
  eio.handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const query = queryOf(req.url ?? '/');
    (req as { _query?: Record<string, string> })._query = query;
    if (
      !config.websocket ||
      query.transport !== 'websocket' ||
      query.EIO !== '4' ||
      req.method !== 'GET' ||
      !validOrigin(req)
    ) {
      engineUpgrade(req, socket, head);
      return;
    }
    if (query.sid !== undefined) {
      const session = polling.get(query.sid);
      if (session === undefined) engineUpgrade(req, socket, head);
      else upgradePolling(session, req, socket, head);
      return;
    }
    handshakeWebSocket(req, socket, head);
  };

  /** Admits a handshake; a refusal is answered here. */
  function admit(req: IncomingMessage, res?: ServerResponse): Ticket | undefined {
    const verdict = admission.admit(requestHandshake('engineio', req, config.trustProxy));
    if (verdict.ok) return verdict;
    direct.refuse(req, verdict, res);
    return undefined;
  }

  function handshakeWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const sid = eio.generateId(req);
    if (typeof sid !== 'string') {
      engineUpgrade(req, socket, head);
      return;
    }
    const answer = answerUpgrade(req, socket);
    if (answer === undefined) return;
    const ticket = admit(req);
    if (!ticket) return;
    // The release itself is the listener: a closure here would keep this request alive with the socket.
    socket.once('close', ticket.release);
    // The 101 answer and the `open` packet leave in one write.
    socket.cork();
    socket.write(answer);
    const wiring = new SessionWiring(direct);
    const connection = new DirectSocket(socket as NetSocket, head, maxPayload, heartbeat, wiring);
    connection.open(sid, maxPayload);
    wiring.start(connection, ticket.handshake);
    socket.uncork();
  }

  function handshakePolling(req: IncomingMessage, res: ServerResponse): void {
    const sid = eio.generateId(req);
    if (typeof sid !== 'string') {
      engineRequest(req, res);
      return;
    }
    const ticket = admit(req, res);
    if (!ticket) return;
    const wiring = new SessionWiring(direct, { sessions: polling, sid, release: ticket.release });
    const connection = new PollingSession(sid, heartbeat, wiring, maxPayload);
    polling.set(sid, connection);
    connection.open(upgrades, maxPayload);
    connection.onPoll(res);
    wiring.start(connection, ticket.handshake);
  }

  function upgradePolling(session: PollingSession, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!session.upgradable) {
      const why = session.upgradedAway ? 'has upgraded already' : 'is closing or probing another WebSocket';
      refuseUpgrade(socket, 'bad_request', `This session ${why}.`);
      return;
    }
    const answer = answerUpgrade(req, socket);
    if (answer === undefined) return;
    socket.write(answer);
    session.onUpgrade(socket as NetSocket, head, maxPayload);
  }

  return () => heartbeat.stop();
}

/** engine.io's check of the Origin header: a handshake with a bad one is engine.io's to refuse. */
function validOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  return origin === undefined || !INVALID_HEADER_CHAR.test(origin);
}
