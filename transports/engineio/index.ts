import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as EngineServer, type Socket } from 'engine.io';
import { WebSocketServer } from 'ws';
import { ProtocolError } from '../../src/protocol/errors.js';
import { payloadLimit, type Transport, type TransportContext } from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { refuseUpgrade } from '../rawws/handshake.js';
import { requestHandshake } from '../request-handshake.js';
import { EngineConnection } from './connection.js';

/** How long a shutdown waits for polling clients to collect their `bye`. */
const DRAIN_MS = 2000;

/** Where engine.io is served on the HTTP port. */
export const ENGINE_PATH = '/engine.io/';

/** How long an upgrade on another path may wait for its owner: engine.io's own `destroyUpgradeTimeout`. */
const UNCLAIMED_UPGRADE_MS = 1000;

/**
 * Stands in for engine.io's upgrade listener while WebSocket is off. On the engine.io path it answers 403
 * `websocket_disabled` and closes, as a proxy that forbids WebSocket would: clients see a failed handshake
 * at once instead of a request left hanging. On any other path it does what engine.io does when it listens:
 * a socket no other listener has answered by then is destroyed, so it can neither hang nor hold up shutdown.
 */
function refuseEngineUpgrade(request: IncomingMessage, socket: Duplex & { bytesWritten?: number }): void {
  if ((request.url ?? '').startsWith(ENGINE_PATH)) {
    refuseUpgrade(socket, 'websocket_disabled');
    return;
  }
  setTimeout(() => {
    if (socket.writable && !socket.bytesWritten) socket.destroy();
  }, UNCLAIMED_UPGRADE_MS).unref();
}

/**
 * engine.io: WebSocket and HTTP long-polling behind one session, with the polling-to-WebSocket upgrade.
 * `websocket: false` in the config serves polling only: the handshake offers no upgrade, and WebSocket
 * requests on the engine.io path are refused with 403 `websocket_disabled`.
 */
export function engineioTransport(): Transport {
  let engine: EngineServer | undefined;
  let stopRefusing: (() => void) | undefined;
  const open = new Set<Socket>();
  let allClosed: (() => void) | undefined;
  return {
    name: 'engineio',
    start({ hub, server, config, observer }: TransportContext) {
      const eio = new EngineServer({
        // Room for a few over-large frames to reach the hub and get `frame_too_large`; far beyond is abuse.
        maxHttpBufferSize: payloadLimit(config.maxFrameBytes),
        transports: config.websocket ? ['polling', 'websocket'] : ['polling'],
        allowUpgrades: config.websocket,
        pingInterval: config.pingIntervalMs,
        pingTimeout: config.pingTimeoutMs,
        perMessageDeflate: false,
        httpCompression: false,
        // Long-polling from pages of other origins. Every origin may read the answers, so that a page whose
        // origin ALLOWED_ORIGINS refuses can read its `forbidden_origin` and stop; the origin check itself
        // is the hub's. No cookies are used, so no credentials are allowed.
        cors: { origin: true, methods: ['GET', 'POST'], credentials: false },
        // The project's own ws, not the older copy engine.io depends on: it terminates a peer with more
        // than 60 automatic pongs unwritten (one that floods pings and never reads), which that copy lacks.
        wsEngine: WebSocketServer,
      });
      eio.attach(server, { path: ENGINE_PATH });
      if (!config.websocket) {
        server.on('upgrade', refuseEngineUpgrade);
        stopRefusing = () => server.off('upgrade', refuseEngineUpgrade);
      }
      eio.on('connection', (socket: Socket) => {
        const conn = new ObservedConnection(new EngineConnection(socket), observer);
        const session = hub.open(conn, {
          origin: socket.request.headers.origin,
          remoteAddress: socket.remoteAddress,
          handshake: requestHandshake('engineio', socket.request),
        });
        // engine.io keeps the handshake request only for its users; this transport has read what it needs,
        // and an idle connection need not hold its headers.
        (socket as { request: unknown }).request = undefined;
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
          conn.gone();
          session.closed();
          if (open.size === 0) allClosed?.();
        });
      });
      engine = eio;
    },
    async stop() {
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
      engine = undefined;
    },
  };
}
