import type { Wire } from './wire.js';
import { type EngineMode, engineWire } from './wires/engine.js';
import { rawwsWire } from './wires/rawws.js';
import { tcpWire } from './wires/tcp.js';

/** How to dial a URL. */
export interface DialOptions {
  /** For `http://` URLs: engine.io over WebSocket (default), polling only, or polling then upgrade. */
  transport?: EngineMode;
  /** Extra handshake headers (Origin…) for WebSocket and engine.io. */
  headers?: Record<string, string>;
}

/** A URL the client cannot dial, with a one-line reason. */
export class DialError extends Error {
  override name = 'DialError';
}

/** The default TCP lines port, when a `tcp://` URL names none. */
const TCP_DEFAULT_PORT = 7000;

/** Checks a URL and returns the function that opens a wire to it: `tcp://`, `ws(s)://`, `http(s)://`. */
export function dialer(url: string, options: DialOptions = {}): () => Promise<Wire> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DialError(
      `Not a URL: ${url} (try tcp://127.0.0.1:7000, ws://127.0.0.1:3000/ws, http://127.0.0.1:3000)`,
    );
  }
  switch (parsed.protocol) {
    case 'tcp:': {
      const port = parsed.port === '' ? TCP_DEFAULT_PORT : Number(parsed.port);
      const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
      return () => tcpWire(host, port);
    }
    case 'ws:':
    case 'wss:': {
      const target = parsed.pathname === '/' ? new URL('/ws', parsed).href : parsed.href;
      return () => rawwsWire(target, options.headers);
    }
    case 'http:':
    case 'https:':
      return () => engineWire(parsed.origin, options.transport ?? 'websocket', options.headers);
    default:
      throw new DialError(`Unsupported URL scheme ${parsed.protocol} (use tcp://, ws:// or http://)`);
  }
}
