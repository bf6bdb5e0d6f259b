import { connectEngine, connectRawWs, connectSse, connectTcp, type TestClient } from '../helpers/client.js';
import type { TestServer } from '../helpers/server.js';

/** One way to reach the gateway, as the conformance suite sees it. */
export interface Dialer {
  /** Name in test titles. */
  name: string;
  /** The `transport` the server reports in `welcome`. */
  transport: string;
  /** Whether the transport carries an Origin header (browsers' transports do; TCP does not). */
  carriesOrigin: boolean;
  /** Opens a connection (with that Origin where the transport carries one). */
  connect(server: TestServer, origin?: string): Promise<TestClient>;
}

const originHeader = (origin: string | undefined): Record<string, string> =>
  origin === undefined ? {} : { origin };

/** Every transport the conformance suite runs over. */
export const DIALERS: readonly Dialer[] = [
  {
    name: 'engine.io WebSocket',
    transport: 'websocket',
    carriesOrigin: true,
    connect: (server, origin) => connectEngine(server.url, 'websocket', originHeader(origin)),
  },
  {
    name: 'engine.io polling',
    transport: 'polling',
    carriesOrigin: true,
    connect: (server, origin) => connectEngine(server.url, 'polling', originHeader(origin)),
  },
  {
    name: 'raw WebSocket',
    transport: 'rawws',
    carriesOrigin: true,
    connect: (server, origin) => connectRawWs(server.url, originHeader(origin)),
  },
  {
    name: 'SSE',
    transport: 'sse',
    carriesOrigin: true,
    connect: (server, origin) => connectSse(server.url, originHeader(origin)),
  },
  {
    name: 'TCP JSON lines',
    transport: 'tcp',
    carriesOrigin: false,
    connect: (server) => connectTcp(server.tcpPort),
  },
];

/** The transports every conformance server runs. */
export const ALL_TRANSPORTS = ['engineio', 'rawws', 'sse', 'tcp'];
