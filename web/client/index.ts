// The Switchboard browser client: `connect()` and its types. Bundled as web/public/build/client.js.
export type { BackoffOptions } from '../../src/client/backoff.js';
export type { GetToken } from '../../src/client/token-refresh.js';
export { connect, DEFAULT_BACKOFF } from './client.js';
export type { Demotion, KeyValueStore, LinkFailure, WebSocketFailure } from './demotion.js';
export type { AttemptRecord, Diagnostics } from './diagnostics.js';
export type { LivenessCheck } from './liveness.js';
export type { ConnectionPlan, SkipReason, TransportMode, TransportName } from './negotiate.js';
export type { Outgoing, OutgoingState } from './pending.js';
export type * from './protocol.js';
export { CLIENT_CAPS } from './protocol.js';
export {
  ClientError,
  type ClientEvents,
  type ConnectionState,
  type ConnectOptions,
  type JoinResult,
  type NegotiationInfo,
  type OutgoingUpdate,
  type SayResult,
  type SwitchboardClient,
} from './types.js';
