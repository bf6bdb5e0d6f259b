import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server as EngineServer, Socket } from 'engine.io';
import { WebSocketServer } from 'ws';
import type { Refusal, Ticket } from '../../src/ports/admission.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import {
  payloadLimit,
  type SessionDirectory,
  type Transport,
  type TransportContext,
} from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { refuseUpgrade } from '../rawws/handshake.js';
import { requestHandshake } from '../request-handshake.js';
import { replyError } from '../sse/http.js';
import { UnclaimedUpgrades } from '../unclaimed-upgrades.js';
import { EngineConnection } from './connection.js';
import { answerCors } from './cors.js';
import { DirectSocket } from './direct.js';
import { type StopDirect, serveDirectSessions } from './direct-endpoint.js';
import { PollingSession } from './direct-polling.js';
import { SwitchboardEngine } from './engine.js';
import { ownedSessionId, SessionForwarder } from './forward.js';

/** How long a shutdown waits for polling clients to collect their `bye`. */
const DRAIN_MS = 2000;

/** Where engine.io is served on the HTTP port. */
export const ENGINE_PATH = '/engine.io/';

/** How long an upgrade on another path may wait for its owner: engine.io's own `destroyUpgradeTimeout`. */
const UNCLAIMED_UPGRADE_MS = 1000;

/**
 * The upgrade listener beside engine.io's (which serves its path while WebSocket is on). Upgrades on other
 * paths are left to their owners for a while (UnclaimedUpgrades), as engine.io would, without a timer each.
 * While WebSocket is off, one on the engine.io path is answered 403 `websocket_disabled` and closed, as a
 * proxy that forbids WebSocket would: clients see a failed handshake at once instead of a request left
 * hanging.
 */
function upgradeListener(websocket: boolean): (request: IncomingMessage, socket: Duplex) => void {
  const unclaimed = new UnclaimedUpgrades(UNCLAIMED_UPGRADE_MS);
  return (request, socket) => {
    if (!(request.url ?? '').startsWith(ENGINE_PATH)) unclaimed.watch(socket);
    else if (!websocket) refuseUpgrade(socket, 'websocket_disabled');
  };
}

/**
 * Answers a refused engine.io handshake with the refusal's own status and `{ statusCode, code, message }`:
 * engine.io's answer to a refusing `allowRequest` is always 403 (polling) or 400 (WebSocket) with its own
 * body, which would hide a 429 or 503 from the client. The CORS headers answerCors has set
 * stay on the polling answer, so a page of another origin can read why.
 */
function answerRefusal(
  req: IncomingMessage,
  refusal: Refusal,
  res = (req as { res?: ServerResponse }).res,
): void {
  const code = refusal.code as Parameters<typeof replyError>[1];
  if (res) replyError(res, code, refusal.message, true);
  else refuseUpgrade(req.socket, code, refusal.message);
}

/**
 * Lets go of what an opened session's handshake request holds. Over WebSocket, engine.io's stand-in
 * response keeps the upgrade request until the TCP socket closes (a `close` listener on it), headers,
 * raw headers and query included; nothing reads them once the session is open (the session's own
 * handshake is a copy, dropped after hello). The request object itself stays, emptied.
 */
function shedRequest(req: IncomingMessage): void {
  const r = req as IncomingMessage & { _query?: unknown };
  r.headers = {};
  r.rawHeaders = [];
  r._query = undefined;
}

/**
 * engine.io: WebSocket and HTTP long-polling behind one session, with the polling-to-WebSocket upgrade.
 * `websocket: false` in the config serves polling only: the handshake offers no upgrade, and WebSocket
 * requests on the engine.io path are refused with 403 `websocket_disabled`.
 */
export function engineioTransport(): Transport {
  let engine: EngineServer | undefined;
  let stopRefusing: (() => void) | undefined;
  let forwarder: SessionForwarder | undefined;
  let stopDirect: StopDirect | undefined;
  /** Open sessions, engine.io's and the direct WebSocket ones. */
  const open = new Set<object>();
  let allClosed: (() => void) | undefined;
  return {
    name: 'engineio',
    start({ hub, server, config, log, admission, directory, observer }: TransportContext) {
      // Admitted handshakes until their socket opens; a handshake engine.io then fails gives its slot back.
      const tickets = new WeakMap<IncomingMessage, Ticket>();
      const eio = new SwitchboardEngine({
        // Admission runs here, on handshakes only (requests with a sid belong to an admitted session), for
        // polling and WebSocket alike, before engine.io makes a session. A refusal is answered by us and
        // engine.io's callback is never called: it holds nothing for a request it has not accepted.
        allowRequest: (req, callback) => {
          const verdict = admission.admit(requestHandshake('engineio', req, config.trustProxy));
          if (!verdict.ok) {
            answerRefusal(req, verdict);
            return;
          }
          tickets.set(req, verdict);
          callback(null, true);
        },
        // Room for a few over-large frames to reach the hub and get `frame_too_large`; far beyond is abuse.
        maxHttpBufferSize: payloadLimit(config.maxFrameBytes),
        transports: config.websocket ? ['polling', 'websocket'] : ['polling'],
        allowUpgrades: config.websocket,
        pingInterval: config.pingIntervalMs,
        pingTimeout: config.pingTimeoutMs,
        perMessageDeflate: false,
        httpCompression: false,
        // No `cors`: answerCors (cors.ts) answers long-polling from pages of other origins, ahead of engine.io.
        // The project's own ws, not the older copy engine.io depends on: it terminates a peer with more
        // than 60 automatic pongs unwritten (one that floods pings and never reads), which that copy lacks.
        wsEngine: WebSocketServer,
      });
      const context = { hub, server, config, log, admission, directory, observer };
      // engine.io v4 sessions skip engine.io's objects (direct-endpoint.ts); inside the CORS answer and the
      // forwarder, which sends on only requests with another node's sid.
      stopDirect = serveDirectSessions(eio, {
        context,
        refuse: answerRefusal,
        opened: (socket) => open.add(socket),
        closed: (socket) => {
          open.delete(socket);
          if (open.size === 0) allClosed?.();
        },
      });
      const handleRequest = eio.handleRequest.bind(eio);
      eio.handleRequest = (req, res) => {
        if (!answerCors(req, res)) handleRequest(req, res);
      };
      if (directory) forwarder = forwardForeignSessions(eio, directory, config, log);
      // Upgrades on other paths are upgradeListener's, not engine.io's.
      eio.attach(server, { path: ENGINE_PATH, destroyUpgrade: false });
      const ownUpgrades = upgradeListener(config.websocket);
      server.on('upgrade', ownUpgrades);
      stopRefusing = () => server.off('upgrade', ownUpgrades);
      eio.on('connection_error', (error: { req?: IncomingMessage }) => {
        if (error.req) tickets.get(error.req)?.release();
      });
      eio.on('connection', (socket: Socket) => {
        const request = socket.request;
        const ticket = tickets.get(request);
        // Only the release outlives the handshake: the ticket holds the handshake, headers and all.
        const release = ticket?.release;
        const conn = new ObservedConnection(new EngineConnection(socket), observer);
        const handshake = ticket?.handshake ?? requestHandshake('engineio', request, config.trustProxy);
        const session = hub.open(conn, {
          origin: handshake.origin,
          remoteAddress: socket.remoteAddress,
          handshake,
        });
        // engine.io keeps the handshake request only for its users; this transport has read what it needs,
        // and an idle connection need not hold its headers.
        (socket as { request: unknown }).request = undefined;
        // A polling handshake's request is let go once answered; only the WebSocket one is kept.
        if (socket.transport.name === 'websocket') shedRequest(request);
        socket.on('message', (data: unknown) => {
          conn.received();
          if (typeof data === 'string') session.receive(data);
          else session.invalid(new ProtocolError('bad_frame', 'Binary frames are not part of the protocol.'));
        });
        socket.on('upgrade', () => {
          conn.changed(socket.transport.name);
          session.setTransport(socket.transport.name);
        });
        open.add(socket);
        socket.on('close', () => {
          open.delete(socket);
          release?.();
          conn.gone();
          session.closed();
          if (open.size === 0) allClosed?.();
        });
      });
      engine = eio;
    },
    async stop() {
      await forwarder?.close();
      forwarder = undefined;
      stopDirect?.();
      stopDirect = undefined;
      stopRefusing?.();
      stopRefusing = undefined;
      // The hub has queued `bye` and asked each socket to close; a polling client only gets it on its next
      // GET, so give those a moment before engine.io cuts every transport.
      if (open.size > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, DRAIN_MS);
          allClosed = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      engine?.close();
      // engine.io closed its own sessions; the direct ones the hub has not closed go the same way.
      for (const socket of open) {
        if (socket instanceof DirectSocket) socket.close();
        else if (socket instanceof PollingSession) socket.terminate();
      }
      engine = undefined;
    },
  };
}

/**
 * In a cluster, session ids name the node that owns them, and requests for another node's session (a
 * round-robin balancer sends them anywhere) go to it: engine.io never sees a session it does not hold.
 */
function forwardForeignSessions(
  eio: EngineServer,
  directory: SessionDirectory,
  config: TransportContext['config'],
  log: TransportContext['log'],
): SessionForwarder {
  const forwarder = new SessionForwarder({
    directory,
    // A long-poll is held up to pingInterval; past that plus the ping timeout the owner is not answering.
    responseTimeoutMs: config.pingIntervalMs + config.pingTimeoutMs + 5_000,
    onError: (err, node) => log.warn({ err, node }, 'forwarding an engine.io request to its node failed'),
  });
  eio.generateId = () => ownedSessionId(directory.nodeId);
  const handleRequest = eio.handleRequest.bind(eio);
  eio.handleRequest = (req, res) => {
    const owner = forwarder.foreignOwner(req);
    if (owner === undefined) handleRequest(req, res);
    else void forwarder.forward(req, res, owner);
  };
  const handleUpgrade = eio.handleUpgrade.bind(eio);
  eio.handleUpgrade = (req, socket, head) => {
    const owner = forwarder.foreignOwner(req);
    if (owner === undefined) handleUpgrade(req, socket, head);
    else void forwarder.tunnel(req, socket, head, owner);
  };
  return forwarder;
}
