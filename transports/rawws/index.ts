import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Hub } from '../../src/core/hub.js';
import type { Ticket } from '../../src/ports/admission.js';
import type { Observer } from '../../src/ports/observer.js';
import { payloadLimit, type Transport, type TransportContext } from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { OpenConnections } from '../open-connections.js';
import { requestHandshake } from '../request-handshake.js';
import { answerUpgrade } from '../ws-upgrade.js';
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

/** Hands one accepted WebSocket to the hub. */
function accept(
  hub: Hub,
  observer: Observer,
  raw: RawWsConnection,
  open: OpenConnections<RawWsConnection>,
  ticket: Ticket,
): void {
  const observed = new ObservedConnection(raw, observer);
  const session = hub.open(observed, {
    origin: ticket.handshake.origin,
    remoteAddress: ticket.handshake.remoteAddress,
    handshake: ticket.handshake,
  });
  open.add(raw);
  raw.attach({ session, observed, open });
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
      const maxPayload = payloadLimit(config.maxFrameBytes);
      const open = new OpenConnections<RawWsConnection>();
      const choose = (offered: string[]) => (offered.includes(SUBPROTOCOL_V1) ? SUBPROTOCOL_V1 : undefined);
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
        // A request that is not a WebSocket handshake is answered before admission counts it.
        const answer = answerUpgrade(req, socket, choose);
        if (answer === undefined) return;
        const verdict = admission.admit(requestHandshake('rawws', req, config.trustProxy));
        if (!verdict.ok) {
          refuseUpgrade(socket, verdict.code as Parameters<typeof refuseUpgrade>[1], verdict.message);
          return;
        }
        // The socket closes on every path (a close, a cut), exactly once. The
        // release itself is the listener: a closure here would keep this request (and its headers) alive
        // for the life of the connection, since closures of one call share its scope.
        socket.once('close', verdict.release);
        socket.write(answer);
        accept(
          hub,
          observer,
          new RawWsConnection(socket as Socket, head, maxPayload, heartbeat),
          open,
          verdict,
        );
      };
      server.on('upgrade', onUpgrade);
      stopped = async () => {
        server.off('upgrade', onUpgrade);
        heartbeat.stop();
        // The hub asked each connection to close: those still open after the grace are cut, and their
        // close follows at once.
        await open.drained(CLOSE_GRACE_MS);
        for (const connection of open) connection.ws.terminate();
        await open.drained(CLOSE_GRACE_MS);
      };
    },
    async stop() {
      await stopped?.();
      stopped = undefined;
    },
  };
}
