import { createServer, type Server, type Socket } from 'node:net';
import type { Hub } from '../../src/core/hub.js';
import type { Admission } from '../../src/ports/admission.js';
import type { Observer } from '../../src/ports/observer.js';
import { encode } from '../../src/protocol/encode.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import type { Config } from '../../src/server/config.js';
import type { Transport, TransportContext } from '../../src/server/transport.js';
import { ObservedConnection } from '../observed.js';
import { TcpConnection } from './connection.js';
import { type LineEvent, LineSplitter } from './lines.js';
import { GREETING, TextMode } from './text-mode.js';

/** How long stop() lets peers see their `bye` and close before cutting them off. */
const STOP_GRACE_MS = 1000;

/** Serves one TCP peer: lines in, frames to the hub; text mode when the first line is not JSON. */
function serveSocket(
  hub: Hub,
  config: Config,
  admission: Admission,
  observer: Observer,
  socket: Socket,
): void {
  socket.on('error', () => {});
  // TCP has no proxy header to trust: the address is the socket's.
  const verdict = admission.admit({
    transport: 'tcp',
    remoteAddress: socket.remoteAddress ?? '',
    headers: {},
    query: {},
  });
  if (!verdict.ok) {
    // One line a program or a person can read, then the connection ends before any session exists.
    socket.end(`${encode({ type: 'error', code: verdict.code, message: verdict.message })}\n`);
    setTimeout(() => socket.destroy(), STOP_GRACE_MS).unref();
    return;
  }
  // The release itself is the listener: a closure here would keep the ticket, and its handshake, alive.
  socket.once('close', verdict.release);
  socket.setNoDelay(true);
  socket.setKeepAlive(true, 30_000);
  const conn = new TcpConnection(socket);
  const observed = new ObservedConnection(conn, observer);
  const session = hub.open(observed, { remoteAddress: socket.remoteAddress, handshake: verdict.handshake });
  let text: TextMode | undefined;
  let json = false;
  const onLine = (line: string) => {
    observed.received();
    if (text) return text.input(line);
    if (json || line.startsWith('{')) {
      json = true;
      if (line !== '') session.receive(line);
      return;
    }
    if (line.trim() === '') return;
    text = new TextMode({
      send: (frame) => session.receive(frame),
      print: (lines) => conn.writeLines(lines),
      quit: () => session.quit(),
    });
    const mode = text;
    conn.render = (encoded) => mode.render(JSON.parse(encoded));
    mode.input(line);
  };
  let ended = false;
  const splitter = new LineSplitter(config.maxFrameBytes, (event: LineEvent) => {
    ended = true;
    if (event.kind === 'line') onLine(event.text);
    else if (event.kind === 'too_long') {
      session.invalid(
        new ProtocolError(
          'frame_too_large',
          `Lines are limited to ${config.maxFrameBytes} bytes; the rest of that line was discarded.`,
        ),
      );
    } else session.invalid(new ProtocolError('bad_frame', 'The line is not valid UTF-8.'));
  });

  // A line must end within the timeout of its first byte, so a peer cannot hold a half line open forever.
  let lineTimer: NodeJS.Timeout | undefined;
  const onLineTimeout = () => session.bye('kicked', `No end of line within ${config.tcpLineTimeoutMs} ms.`);
  socket.on('data', (chunk: Buffer) => {
    ended = false;
    splitter.push(chunk);
    if (ended || !splitter.pending) {
      clearTimeout(lineTimer);
      lineTimer = undefined;
    }
    if (splitter.pending && !lineTimer) lineTimer = setTimeout(onLineTimeout, config.tcpLineTimeoutMs);
  });
  // A peer that ends its side (nc's EOF, a program that exits) leaves on purpose; a reset or a keepalive
  // timeout is a dropped link, which may be resumed within the presence grace. So is a close the server
  // began: the peer's end then only answers ours.
  let peerEnded = false;
  socket.once('end', () => {
    peerEnded = !socket.writableEnded;
  });
  socket.on('close', () => {
    clearTimeout(lineTimer);
    observed.gone();
    session.closed(peerEnded);
  });
  conn.writeLines([GREETING]);
}

/**
 * TCP lines on their own port (`tcpPort`, on `host`): one JSON frame per LF-terminated line for programs,
 * and text mode for a person at `nc` (a first line that is not JSON starts it).
 */
export function tcpTransport(): Transport {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    name: 'tcp',
    async start({ hub, config, admission, observer }: TransportContext) {
      const tcp = createServer((socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
        serveSocket(hub, config, admission, observer, socket);
      });
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen(config.tcpPort, config.host, () => {
          tcp.off('error', reject);
          resolve();
        });
      });
      server = tcp;
    },
    async stop() {
      const tcp = server;
      server = undefined;
      if (!tcp) return;
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      // The hub has written `bye` and ended every socket; give peers a moment to read it.
      const timer = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, STOP_GRACE_MS);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
    address() {
      const addr = server?.address();
      return addr && typeof addr === 'object' ? { port: addr.port, host: addr.address } : undefined;
    },
  };
}
