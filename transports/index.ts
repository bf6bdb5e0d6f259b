import type { TransportFactory } from '../src/server/transport.js';
import { engineioTransport } from './engineio/index.js';
import { rawwsTransport } from './rawws/index.js';
import { sseTransport } from './sse/index.js';
import { tcpTransport } from './tcp/index.js';

/** Every transport by the name used in TRANSPORTS. Adding a transport is a folder and a line here. */
export const TRANSPORTS: Record<string, TransportFactory> = {
  engineio: engineioTransport,
  rawws: rawwsTransport,
  sse: () => sseTransport(),
  tcp: tcpTransport,
};
