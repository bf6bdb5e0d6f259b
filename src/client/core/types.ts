import type { BackoffOptions } from '../backoff.js';
import type { GetToken } from '../token-refresh.js';
import type { Outgoing } from './pending.js';
import type {
  AckFrame,
  ByeFrame,
  ChatMessage,
  ErrorFrame,
  EventFrame,
  GapFrame,
  PresenceFrame,
  ResumedFrame,
  WelcomeFrame,
} from './protocol.js';
import type { RequestFrame } from './requests.js';

/** The connection as a person would describe it; `closed` once `close()` was called or the server ended it for good. */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline' | 'closed';

/** Options every client takes, in a page or in Node. */
export interface CoreOptions {
  /** The nick to ask for; the server picks a free one when absent, invalid or taken. */
  nick?: string;
  /** Namespace. @default '/' */
  ns?: string;
  /** Token for the gateway's authentication (sent in hello). */
  token?: string;
  /**
   * Gives a new token. With it the client refreshes its identity on the live connection before it expires
   * (a `refresh` request, a third of the lifetime early), fetches a token before the first hello when
   * `token` is absent, and after `bye` `token_expired` fetches one and reconnects.
   */
  getToken?: GetToken;
  /** Reconnect delays. */
  backoff?: Partial<BackoffOptions>;
  /** How long a liveness ping may take before the link counts as dead, ms. @default 1500 */
  livenessTimeoutMs?: number;
  /** How often an open link is checked with a ping, ms (not while a page is hidden). @default 25000 */
  heartbeatMs?: number;
  /** Milliseconds since the epoch. @default Date.now */
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

/** A demotion of a transport in a page, with its reason and expiry. */
export interface DemotionEvent {
  transport: string;
  reason: string;
  /** When it was decided and when it ends, ms since the epoch. */
  since: number;
  until: number;
}

/** Events of a client, with their payloads; `T` names its transports. */
export interface ClientEvents<T extends string = string> {
  /** The connection state changed. */
  state: ConnectionState;
  /** The transport in use changed. */
  transport: T;
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
  /** A request was answered, told in the order answers arrived among the other frames. */
  reply: { request: RequestFrame; reply: AckFrame | ErrorFrame };
  /** The connection is gone (or could not be made): the next attempt comes after `delayMs`. */
  retry: { attempt: number; delayMs: number; reason: string };
  /** A page demoted WebSocket or SSE (the next transport in the order is used until it expires). */
  demoted: DemotionEvent;
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

/** What every Switchboard client does, in a page or in Node: rooms, messages, presence, reconnect and resume. */
export interface ChatApi<T extends string = string> {
  /** The connection state. */
  readonly state: ConnectionState;
  /** The transport of the open connection (or of the last one). */
  readonly transport: T | undefined;
  /** The session id, stable across reconnects. */
  readonly session: string | undefined;
  /** The nick the server granted. */
  readonly nick: string | undefined;
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
  /**
   * Sends a request of PROTOCOL.md and resolves with its ack (rejects with its error); join, leave and say
   * have their own methods. Requests safe to repeat (nick, who, history) wait for a connection and are
   * resent after a drop; others need the state open.
   */
  request(frame: RequestFrame): Promise<AckFrame>;
  /** Resolves once the state is `open` (at once when it is); rejects with `closed` when the client closes first. */
  opened(): Promise<void>;
  /** Listens to an event; returns the function that stops listening. */
  on<K extends keyof ClientEvents<T>>(event: K, handler: (payload: ClientEvents<T>[K]) => void): () => void;
  /** Checks the link at once with a ping, and reconnects and resumes if it is dead. */
  checkNow(why: string): void;
  /** Closes the connection for good: pending requests and messages are rejected with `closed`. */
  close(): void;
}
