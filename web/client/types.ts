import type { BackoffOptions } from '../../src/client/backoff.js';
import type { GetToken } from '../../src/client/token-refresh.js';
import type { Demotion, KeyValueStore } from './demotion.js';
import type { Diagnostics } from './diagnostics.js';
import type { ConnectionPlan, TransportMode, TransportName } from './negotiate.js';
import type { Outgoing } from './pending.js';
import type {
  ByeFrame,
  ChatMessage,
  EventFrame,
  GapFrame,
  PresenceFrame,
  ResumedFrame,
  WelcomeFrame,
} from './protocol.js';

/** The connection as a person would describe it. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline';

/** Options of `connect`. Only `url` is needed outside a page served by the gateway. */
export interface ConnectOptions {
  /** The gateway's HTTP origin. @default location.origin */
  url?: string;
  /** engine.io path on the gateway. @default '/engine.io/' */
  path?: string;
  /** The nick to ask for; the server picks a free one when absent, invalid or taken. */
  nick?: string;
  /** Namespace. @default '/' */
  ns?: string;
  /** Token for the gateway's authentication (sent in hello). */
  token?: string;
  /**
   * Asks the page for a new token. With it the client refreshes its identity on the live connection before
   * it expires (a `refresh` request, a third of the lifetime early), fetches a token before the first
   * hello when `token` is absent, and after `bye` `token_expired` fetches one and reconnects.
   */
  getToken?: GetToken;
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
  /** How long a liveness ping may take before the link counts as dead, ms. @default 1500 */
  livenessTimeoutMs?: number;
  /** How often a visible page checks its link with a ping, ms. @default 25000 */
  heartbeatMs?: number;
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
  /** Reconnect delays. */
  backoff?: Partial<BackoffOptions>;
  /** Milliseconds since the epoch (for demotion expiry). @default Date.now */
  clock?: () => number;
  /** Random numbers in [0, 1) (for jitter and message ids). @default Math.random */
  random?: () => number;
}

/** A join's answer: who is there, where the room's history stands, and its latest messages. */
export interface JoinResult {
  room: string;
  members: string[];
  epoch: string;
  seq: number;
  history: ChatMessage[];
}

/** A stored message's place, as the ack of `say` reports it. */
export interface SayResult {
  cid: string;
  seq: number;
  msgId: string;
}

/** A change to an outgoing message: pending (`queued`, `sending`), `sent`, `failed` or `discarded`. */
export interface OutgoingUpdate extends Omit<Outgoing, 'state'> {
  state: Outgoing['state'] | 'sent' | 'discarded';
  /** Set once `sent`. */
  seq?: number;
  msgId?: string;
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

/** Events of a client, with their payloads. */
export interface ClientEvents {
  /** The connection state changed. */
  state: ConnectionState;
  /** The transport in use changed. */
  transport: TransportName;
  /** A session was (re)established. */
  welcome: WelcomeFrame;
  /** A new room message, each exactly once and in seq order per room. */
  message: ChatMessage;
  /** Someone joined or left a room (a nick change is a `leave` and a `join` with `renamed`). */
  presence: PresenceFrame;
  /** A room's full member list (after a join, and after a reconnect). */
  members: { room: string; members: string[] };
  /** A custom event another member emitted. */
  event: EventFrame;
  /** Messages were missed (`trimmed`) or the room's history is a new one (`epoch`). */
  gap: GapFrame;
  /** A resume finished: rooms rejoined and missed messages replayed. */
  resumed: ResumedFrame;
  /** An outgoing message changed state. */
  outgoing: OutgoingUpdate;
  /** The nick the server granted changed. */
  nick: string;
  /** WebSocket or SSE was demoted (the next transport in the order is used until it expires). */
  demoted: Demotion & { transport: TransportName };
  /** An error the server sent that answers no request of this client. */
  error: ClientError;
  /** The server is closing the connection on purpose. */
  bye: ByeFrame;
}

/** An error with a stable code: a server error code (PROTOCOL.md) or a client one (docs/client.md). */
export class ClientError extends Error {
  override name = 'ClientError';

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A Switchboard connection: rooms, messages, presence, with reconnect, resume and transport fallback. */
export interface SwitchboardClient {
  /** The connection state. */
  readonly state: ConnectionState;
  /** The transport of the open connection (or of the last one). */
  readonly transport: TransportName | undefined;
  /** The session id, stable across reconnects. */
  readonly session: string | undefined;
  /** The nick the server granted. */
  readonly nick: string | undefined;
  /** How the transport was chosen, and any demotion in force. */
  readonly negotiation: NegotiationInfo;
  /** Rooms joined (or being joined). */
  readonly rooms: string[];
  /** Messages not yet acknowledged, in the order typed. */
  readonly outgoing: OutgoingUpdate[];
  /** Joins a room; waits for the connection if needed. */
  join(room: string): Promise<JoinResult>;
  /** Leaves a room. */
  leave(room: string): Promise<void>;
  /** Says something; resolves once stored. Kept and resent across disconnects until acknowledged or refused. */
  say(room: string, text: string): Promise<SayResult>;
  /** Sends a failed message again, with the same cid. */
  retry(cid: string): Promise<SayResult>;
  /** Gives up on a failed or pending message. */
  discard(cid: string): void;
  /** Relays a custom event to the other members of a room (not stored, not queued); resolves with the reply of a server handler of that event, else undefined. */
  emit(room: string, event: string, data?: unknown): Promise<unknown>;
  /** Asks for another nick; resolves with the one granted. */
  setNick(nick: string): Promise<string>;
  /** The members of a room. */
  who(room: string): Promise<string[]>;
  /** Older messages of a room. */
  history(room: string, options?: { before?: number; limit?: number }): Promise<ChatMessage[]>;
  /** Switches transport mode now: the connection is remade and the session resumed. */
  setTransportMode(mode: TransportMode): void;
  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): () => void;
  /** Everything about this connection a bug report needs: attempts, reasons, round trips, caps, cursors. */
  diagnostics(): Diagnostics;
  /**
   * Checks the link at once with a ping (and reconnects and resumes if it is dead). The client does this by
   * itself on `visibilitychange` to visible, `online`, `pageshow` from the back-forward cache and `resume`.
   */
  checkNow(why: string): void;
  /** Closes the connection for good. */
  close(): void;
}
