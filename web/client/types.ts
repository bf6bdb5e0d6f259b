import type { ChatApi, CoreOptions } from '../../src/client/core/types.js';
import type { Demotion, KeyValueStore } from './demotion.js';
import type { Diagnostics } from './diagnostics.js';
import type { ConnectionPlan, TransportMode, TransportName } from './negotiate.js';

export {
  type ChatApi,
  ClientError,
  type ClientEvents,
  type ConnectionState,
  type CoreOptions,
  type DemotionEvent,
  type JoinResult,
  type OutgoingUpdate,
  type SayResult,
} from '../../src/client/core/types.js';

/** Options of `connect`. Only `url` is needed outside a page served by the gateway. */
export interface ConnectOptions extends CoreOptions {
  /** The gateway's HTTP origin. @default location.origin */
  url?: string;
  /** engine.io path on the gateway. @default '/engine.io/' */
  path?: string;
  /**
   * `auto` tries WebSocket, then SSE, then long-polling, each only when the one before failed;
   * `websocket`, `sse` and `polling` use that transport only. The page's `?transport=` parameter wins over
   * this option. @default 'auto'
   */
  transport?: TransportMode;
  /** The query string to read `?transport=` from; `false` ignores it. @default location.search */
  query?: string | false;
  /** Whether this environment has a WebSocket. @default typeof WebSocket === 'function' */
  hasWebSocket?: boolean;
  /** Whether this environment has EventSource and fetch (for SSE). @default both are functions */
  hasEventSource?: boolean;
  /** SSE path on the gateway. @default '/sse/' */
  ssePath?: string;
  /** How long an `auto` SSE attempt may take to reach `welcome` before long-polling is used, ms. @default 8000 */
  sseTimeoutMs?: number;
  /** How long the browser's own SSE reconnect may take before the client reconnects itself, ms. @default 5000 */
  sseReconnectMs?: number;
  /** Where demotions are remembered. @default sessionStorage, or memory when there is none */
  storage?: KeyValueStore;
  /** How long a demotion to long-polling lasts before WebSocket is tried again, ms. @default 600000 */
  demotionMs?: number;
  /** WebSocket attempts refused in a row (with polling working) that demote. @default 2 */
  websocketFailureLimit?: number;
  /** How long an `auto` WebSocket attempt may take to reach `welcome` before polling is used, ms. @default 8000 */
  websocketTimeoutMs?: number;
  /** How long any other attempt may take to reach `welcome`, ms. @default 20000 */
  connectTimeoutMs?: number;
}

/** How the current or last connection was chosen. */
export interface NegotiationInfo {
  /** The mode in force (the `?transport=` parameter, else the option). */
  mode: TransportMode;
  /** The plan of the last connection attempt. */
  plan: ConnectionPlan | undefined;
  /** The demotion in force, with its reason and expiry. */
  demotion: Demotion | undefined;
  /** WebSocket failures recorded in a row. */
  failures: number;
  /** The same for SSE. */
  sse: { demotion: Demotion | undefined; failures: number };
}

/** A Switchboard connection in a page: the client API, with transport negotiation and diagnostics. */
export interface SwitchboardClient extends ChatApi<TransportName> {
  /** How the transport was chosen, and any demotion in force. */
  readonly negotiation: NegotiationInfo;
  /** Switches transport mode now: the connection is remade and the session resumed. */
  setTransportMode(mode: TransportMode): void;
  /** Everything about this connection a bug report needs: attempts, reasons, round trips, caps, cursors. */
  diagnostics(): Diagnostics;
}
