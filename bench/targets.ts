/** Which server process a target talks to. */
export type ServerKind = 'switchboard' | 'socketio' | 'ceiling';
/** How the load generator reaches it: engine.io over WebSocket or polling, plain WebSocket, TCP lines. */
export type WireKind = 'eio-ws' | 'eio-polling' | 'ws' | 'tcp' | 'sse';
/** What is spoken over the wire: Switchboard protocol v1 frames or socket.io packets. */
export type Dialect = 'sb' | 'sio';
/**
 * The kind of connection, which decides the socket.io peer and the sizes of the latency and memory
 * runs: `websocket` for every persistent connection (WebSocket, and TCP lines), `polling` for HTTP.
 */
export type Family = 'websocket' | 'polling';

/** One thing the bench measures: a server, reached over one wire. */
export interface Target {
  /** Stable id, used in results and on the command line (`--only`). */
  id: string;
  /** For people, in tables and charts. */
  label: string;
  server: ServerKind;
  wire: WireKind;
  dialect: Dialect;
  /** HTTP path of the endpoint (unused for TCP). */
  path: string;
  family: Family;
  /** Whether this is a socket.io peer that the others are compared with. */
  peer?: boolean;
  /**
   * Scale-out on Redis (issue 9): `same` runs one Switchboard node with REDIS_URL set, `cross` two
   * nodes on one Redis with the sender on node A and every subscriber on node B. Unset: embedded bus.
   */
  redis?: 'same' | 'cross';
  /** The workloads this target runs; unset: all of them. */
  workloads?: readonly string[];
}

/**
 * Every target, in table order. A new Switchboard transport is one entry here (and, for a new kind of
 * wire, one wire in load/wires.ts).
 */
export const TARGETS: readonly Target[] = [
  {
    id: 'sb-eio-ws',
    label: 'Switchboard engine.io WebSocket',
    server: 'switchboard',
    wire: 'eio-ws',
    dialect: 'sb',
    path: '/engine.io/',
    family: 'websocket',
  },
  {
    id: 'sb-eio-polling',
    label: 'Switchboard engine.io polling',
    server: 'switchboard',
    wire: 'eio-polling',
    dialect: 'sb',
    path: '/engine.io/',
    family: 'polling',
  },
  {
    id: 'sb-rawws',
    label: 'Switchboard raw WebSocket',
    server: 'switchboard',
    wire: 'ws',
    dialect: 'sb',
    path: '/ws',
    family: 'websocket',
  },
  {
    id: 'sb-tcp',
    label: 'Switchboard TCP lines',
    server: 'switchboard',
    wire: 'tcp',
    dialect: 'sb',
    path: '',
    family: 'websocket',
  },
  {
    id: 'sb-sse',
    label: 'Switchboard SSE',
    server: 'switchboard',
    wire: 'sse',
    dialect: 'sb',
    path: '/sse/',
    family: 'polling',
    workloads: ['throughput', 'latency'],
  },
  {
    id: 'sb-rawws-redis',
    label: 'Switchboard raw WebSocket, one node on Redis',
    server: 'switchboard',
    wire: 'ws',
    dialect: 'sb',
    path: '/ws',
    family: 'websocket',
    redis: 'same',
    workloads: ['latency'],
  },
  {
    id: 'sb-rawws-cross',
    label: 'Switchboard raw WebSocket, cross-node on Redis',
    server: 'switchboard',
    wire: 'ws',
    dialect: 'sb',
    path: '/ws',
    family: 'websocket',
    redis: 'cross',
    workloads: ['latency'],
  },
  {
    id: 'sio-ws',
    label: 'socket.io 4 WebSocket',
    server: 'socketio',
    wire: 'eio-ws',
    dialect: 'sio',
    path: '/socket.io/',
    family: 'websocket',
    peer: true,
  },
  {
    id: 'sio-polling',
    label: 'socket.io 4 polling',
    server: 'socketio',
    wire: 'eio-polling',
    dialect: 'sio',
    path: '/socket.io/',
    family: 'polling',
    peer: true,
  },
  {
    id: 'ws-ceiling',
    label: 'bare ws, coalesced (ceiling)',
    server: 'ceiling',
    wire: 'ws',
    dialect: 'sb',
    path: '/ws',
    family: 'websocket',
  },
  {
    id: 'polling-ceiling',
    label: 'bare node:http engine.io polling (ceiling)',
    server: 'ceiling',
    wire: 'eio-polling',
    dialect: 'sb',
    path: '/engine.io/',
    family: 'polling',
  },
];

/** The socket.io peer a target is compared with. */
export function peerOf(target: Target, targets: readonly Target[] = TARGETS): Target | undefined {
  return targets.find((t) => t.peer && t.family === target.family);
}
