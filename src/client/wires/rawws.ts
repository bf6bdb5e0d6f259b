import { WebSocket } from 'ws';
import { HandshakeRefused, makeWire, type Wire } from '../wire.js';

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
    // A refused upgrade answers with a status and `{ code, message }`: say that, not a bare status.
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 4096) body += chunk;
      });
      res.on('end', () => {
        ws.off('error', reject);
        ws.on('error', () => {});
        reject(
          HandshakeRefused.from(res.statusCode ?? 0, body) ??
            new Error(`Unexpected server response: ${res.statusCode}`),
        );
        ws.terminate();
      });
    });
  });
}
