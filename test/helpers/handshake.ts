import { request } from 'node:http';
import { ATTACKER_IP, RawPeer } from './adversary.js';

/** What a refused (or accepted) handshake was answered: status, and the JSON body's code when it had one. */
export interface HandshakeAnswer {
  status: number;
  code: string | undefined;
  body: string;
}

function codeOf(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { code?: unknown }).code as string | undefined;
  } catch {
    return undefined;
  }
}

/** An HTTP GET (an engine.io polling handshake, an SSE stream) from `from`; resolves on the head and body so far. */
export function httpHandshake(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  from = ATTACKER_IP,
): Promise<HandshakeAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers, localAddress: from, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        // An SSE stream that was admitted never ends: its head is the answer.
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, code: undefined, body: '' });
          req.destroy();
          return;
        }
        res.on('end', () => resolve({ status: res.statusCode ?? 0, code: codeOf(body), body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** A WebSocket upgrade on `path` from ATTACKER_IP; the peer stays open when it was admitted (101). */
export async function wsHandshake(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<HandshakeAnswer & { peer: RawPeer }> {
  const peer = await RawPeer.upgrade(port, path, headers);
  const status = peer.status();
  if (status !== 101) await peer.waitClosed();
  const text = peer.text();
  const body = text.slice(text.indexOf('\r\n\r\n') + 4);
  return { status, code: status === 101 ? undefined : codeOf(body), body, peer };
}

/** The engine.io handshake paths. */
export const ENGINE_POLLING = '/engine.io/?EIO=4&transport=polling';
export const ENGINE_WEBSOCKET = '/engine.io/?EIO=4&transport=websocket';
