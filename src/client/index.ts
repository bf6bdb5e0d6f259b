// The `switchboard/node` entry: the client for Node over TCP lines, raw WebSocket or engine.io, with the
// same API as the browser client (`switchboard/client`): the protocol logic is one core (src/client/core).

export type { BackoffOptions } from './backoff.js';
export { DEFAULT_BACKOFF } from './core/client-core.js';
export type { Outgoing, OutgoingState } from './core/pending.js';
export type * from './core/protocol.js';
export type { RequestFrame } from './core/requests.js';
export {
  type ChatApi,
  ClientError,
  type ClientEvents,
  type ConnectionState,
  type CoreOptions,
  type JoinResult,
  type OutgoingUpdate,
  type SayResult,
} from './core/types.js';
export { DialError, type DialOptions, dialer } from './dial.js';
export { connect, type NodeClient, type NodeConnectOptions } from './node-client.js';
export type { GetToken } from './token-refresh.js';
export type { Wire } from './wire.js';
