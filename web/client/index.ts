// The Switchboard browser client: `connect()` and its types. Bundled as web/public/build/client.js.
export type { BackoffOptions } from '../../src/client/backoff.js';
export { DEFAULT_BACKOFF } from '../../src/client/core/client-core.js';
export type { LivenessCheck } from '../../src/client/core/liveness.js';
export type { Outgoing, OutgoingState } from '../../src/client/core/pending.js';
export type * from '../../src/client/core/protocol.js';
export { CLIENT_CAPS } from '../../src/client/core/protocol.js';
export type { RequestFrame } from '../../src/client/core/requests.js';
export type { GetToken } from '../../src/client/token-refresh.js';
export { connect } from './client.js';
export type { Demotion, KeyValueStore, LinkFailure, WebSocketFailure } from './demotion.js';
export type { AttemptRecord, Diagnostics } from './diagnostics.js';
export type { ConnectionPlan, SkipReason, TransportMode, TransportName } from './negotiate.js';
export {
  type ChatApi,
  ClientError,
  type ClientEvents,
  type ConnectionState,
  type ConnectOptions,
  type CoreOptions,
  type DemotionEvent,
  type JoinResult,
  type NegotiationInfo,
  type OutgoingUpdate,
  type SayResult,
  type SwitchboardClient,
} from './types.js';
