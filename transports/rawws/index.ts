import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Hub } from '../../src/core/hub.js';
import type { Ticket } from '../../src/ports/admission.js';
import type { Observer } from '../../src/ports/observer.js';
import { payloadLimit, type Transport, type TransportContext } from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { requestHandshake } from '../request-handshake.js';
import { RawWsConnection } from './connection.js';
import { refuseUpgrade, SUBPROTOCOL_V1, selectSubprotocol } from './handshake.js';
import { Heartbeat } from './heartbeat.js';

/** Where the raw WebSocket endpoint is served on the HTTP port. */
export const RAWWS_PATH = '/ws';

/** How long stop() lets peers answer the close handshake before cutting them off. */
const CLOSE_GRACE_MS = 1000;

function pathOf(url: string | undefined): string {
  const q = (url ?? '').indexOf('?');
  return q === -1 ? (url ?? '') : (url ?? '').slice(0, q);
}

/** Resolves once every socket has closed, terminating those still open after `graceMs`. */
function closeAll(clients: Set<WebSocket>, graceMs: number): Promise<void> {
  const open = [...clients];
  if (open.length === 0) return Promise.resolve();
  return new Promise((resolve) => {
    let left = open.length;
    const done = () => {
      if (--left === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    const timer = setTimeout(() => {
      for (const ws of open) ws.terminate();
    }, graceMs);
    timer.unref();
    for (const ws of open) ws.once('close', done);
  });
}

/** Hands one accepted WebSocket to the hub. */
function accept(
  hub: Hub,
  observer: Observer,
  ws: WebSocket,
  socket: Duplex,
  heartbeat: Heartbeat,
  ticket: Ticket,
): void {
  const raw = new RawWsConnection(ws, socket);
  const conn = new ObservedConnection(raw, observer);
  const session = hub.open(conn, {
    origin: ticket.handshake.origin,
    remoteAddress: ticket.handshake.remoteAddress,
    handshake: ticket.handshake,
  });
  heartbeat.watch(ws);
  ws.on('message', (data, isBinary) => {
    conn.received();
    if (isBinary) {
      ws.close(1003, 'Binary frames are not part of the protocol; send JSON text frames.');
      return;
    }
    session.receive(data.toString());
  });
  // ws answers protocol errors itself (1007 invalid UTF-8, 1009 too big, 1002 malformed) and then closes.
  ws.on('error', () => {});
  ws.on('close', (code: number) => {
    conn.gone();
    // A peer's own 1000 (normal closure) is a leave on purpose. Anything else may be resumed within the
    // presence grace: 1001 is also a reload, 1005 a bare close(), 1006 a dropped link or a heartbeat's cut.
    session.closed(!raw.closedHere && code === 1000);
  });
}

/**
 * Raw WebSocket (RFC 6455) at `/ws` on the HTTP port, for `new WebSocket(url)` with no library: one JSON
 * frame per text message. Other upgrade paths are left to their owners (engine.io at `/engine.io/`).
 * `websocket: false` in the config refuses the upgrade with 403 `websocket_disabled`.
 */
export function rawwsTransport(): Transport {
  let stopped: (() => Promise<void>) | undefined;
  return {
    name: 'rawws',
    start({ hub, server, config, admission, observer }: TransportContext) {
      const wss = new WebSocketServer({
        noServer: true,
        maxPayload: payloadLimit(config.maxFrameBytes),
        perMessageDeflate: false,
        handleProtocols: (offered) => (offered.has(SUBPROTOCOL_V1) ? SUBPROTOCOL_V1 : false),
      });
      const heartbeat = new Heartbeat(config.pingIntervalMs);
      const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (pathOf(req.url) !== RAWWS_PATH) {
          // Nobody else listens for upgrades (engine.io is off): answer rather than leave the socket hanging.
          if (server.listenerCount('upgrade') === 1)
            refuseUpgrade(socket, 'not_found', `No WebSocket at ${req.url}`);
          return;
        }
        if (!config.websocket) {
          refuseUpgrade(
            socket,
            'websocket_disabled',
            'WebSocket is turned off on this server (WEBSOCKET=off); use engine.io long-polling at /engine.io/.',
          );
          return;
        }
        if (selectSubprotocol(req.headers['sec-websocket-protocol']) === false) {
          refuseUpgrade(
            socket,
            'unsupported_subprotocol',
            `Offer the subprotocol ${SUBPROTOCOL_V1}, or none.`,
          );
          return;
        }
        const verdict = admission.admit(requestHandshake('rawws', req, config.trustProxy));
        if (!verdict.ok) {
          refuseUpgrade(socket, verdict.code as Parameters<typeof refuseUpgrade>[1], verdict.message);
          return;
        }
        // The socket closes on every path (a handshake ws refuses, a close, a cut), exactly once. The
        // release itself is the listener: a closure here would keep this request (and its headers) alive
        // for the life of the connection, since closures of one call share its scope.
        socket.once('close', verdict.release);
        wss.handleUpgrade(req, socket, head, (ws) => accept(hub, observer, ws, socket, heartbeat, verdict));
      };
      server.on('upgrade', onUpgrade);
      stopped = async () => {
        server.off('upgrade', onUpgrade);
        heartbeat.stop();
        await closeAll(wss.clients, CLOSE_GRACE_MS);
        wss.close();
      };
    },
    async stop() {
      await stopped?.();
      stopped = undefined;
    },
  };
}
