import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Server as EngineServer, Socket } from 'engine.io';
import { WebSocketServer } from 'ws';
import type { Refusal } from '../../src/ports/admission.js';
import {
  payloadLimit,
  type SessionDirectory,
  type Transport,
  type TransportContext,
} from '../../src/server/transport.js';
import { OpenConnections } from '../open-connections.js';
import { refuseUpgrade } from '../rawws/handshake.js';
import { replyError } from '../sse/http.js';
import { UnclaimedUpgrades } from '../unclaimed-upgrades.js';
import { answerCors } from './cors.js';
import { type DirectSession, type StopDirect, serveDirectSessions } from './direct-endpoint.js';
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
 * Answers a handshake admission refused with the refusal's own status and `{ statusCode, code, message }`
 * (a 429 or 503 the client can act on). The CORS headers answerCors has set stay on the polling answer,
 * so a page of another origin can read why.
 */
function answerRefusal(req: IncomingMessage, refusal: Refusal, res?: ServerResponse): void {
  const code = refusal.code as Parameters<typeof replyError>[1];
  if (res) replyError(res, code, refusal.message, true);
  else refuseUpgrade(req.socket, code, refusal.message);
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
  const open = new OpenConnections<DirectSession>();
  return {
    name: 'engineio',
    start({ hub, server, config, log, admission, directory, observer }: TransportContext) {
      const eio = new SwitchboardEngine({
        // Room for a few over-large frames to reach the hub and get `frame_too_large`; far beyond is abuse.
        maxHttpBufferSize: payloadLimit(config.maxFrameBytes),
        transports: config.websocket ? ['polling', 'websocket'] : ['polling'],
        allowUpgrades: config.websocket,
        pingInterval: config.pingIntervalMs,
        pingTimeout: config.pingTimeoutMs,
        perMessageDeflate: false,
        httpCompression: false,
        // No `cors`: answerCors (cors.ts) answers long-polling from pages of other origins, ahead of engine.io.
        // The project's own ws, not the older copy engine.io depends on.
        wsEngine: WebSocketServer,
      });
      const context = { hub, server, config, log, admission, directory, observer };
      // engine.io v4 sessions skip engine.io's objects (direct-endpoint.ts); inside the CORS answer and the
      // forwarder, which sends on only requests with another node's sid.
      stopDirect = serveDirectSessions(eio, {
        context,
        refuse: answerRefusal,
        opened: (socket) => open.add(socket),
        closed: (socket) => open.gone(socket),
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
      // Every handshake engine.io could accept is served by serveDirectSessions first; what reaches engine.io
      // is refused there (EIO=3, a malformed handshake, an unknown sid). Should a later engine.io accept one
      // all the same, it is closed rather than left without a hub session.
      eio.on('connection', (socket: Socket) => socket.close());
      engine = eio;
    },
    async stop() {
      await forwarder?.close();
      forwarder = undefined;
      stopDirect?.();
      stopDirect = undefined;
      stopRefusing?.();
      stopRefusing = undefined;
      // The hub has queued `bye` and asked each session to close; a polling client only gets it on its next
      // GET, so give those a moment before the rest are cut.
      await open.drained(DRAIN_MS);
      engine?.close();
      for (const socket of open) socket.terminate();
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
