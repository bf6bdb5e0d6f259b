import { Socket } from 'engine.io-client';
import { HandshakeRefused, makeWire, type Wire } from '../wire.js';

/** Which engine.io transports a client uses. */
export type EngineMode = 'websocket' | 'polling' | 'upgrade';

/** An engine.io wire (`http://host:3000`): forced WebSocket, polling only, or polling upgraded to WebSocket. */
export function engineWire(
  url: string,
  mode: EngineMode,
  headers: Record<string, string> = {},
): Promise<Wire> {
  const socket = new Socket(url, {
    path: '/engine.io/',
    extraHeaders: headers,
    transports: mode === 'websocket' ? ['websocket'] : ['polling', 'websocket'],
    upgrade: mode === 'upgrade',
  });
  const { wire, sink } = makeWire({
    send: (text) => socket.send(text),
    close: () => socket.close(),
    transport: () => socket.transport?.name ?? mode,
  });
  socket.on('message', (data) => sink.text(String(data)));
  socket.on('close', () => sink.closed());
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.off('error', reject);
      resolve(wire);
    });
    socket.once('error', (error) => {
      // A refused polling handshake: engine.io-client hands over the request, whose answer says why.
      const request = (error as { context?: { status?: unknown; responseText?: unknown } }).context;
      const refused =
        typeof request?.status === 'number' && typeof request.responseText === 'string'
          ? HandshakeRefused.from(request.status, request.responseText)
          : undefined;
      reject(refused ?? error);
    });
  });
}
