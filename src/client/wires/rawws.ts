import { WebSocket } from 'ws';
import { makeWire, type Wire } from '../wire.js';

/** The subprotocol of protocol v1 over a raw WebSocket. */
const SUBPROTOCOL = 'switchboard.v1';

/** A raw WebSocket wire (`ws://host:3000/ws`): one JSON frame per text message. */
export function rawwsWire(url: string, headers: Record<string, string> = {}): Promise<Wire> {
  const ws = new WebSocket(url, SUBPROTOCOL, { headers, perMessageDeflate: false });
  const { wire, sink } = makeWire({
    send: (text) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    },
    close: () => ws.close(1000),
    transport: () => 'rawws',
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) sink.text(data.toString());
  });
  ws.on('close', () => sink.closed());
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {});
      resolve(wire);
    });
    ws.once('error', reject);
  });
}
