/**
 * The Admission port: decides at the handshake, before a session exists, whether a connection may open.
 * Every transport calls it (engine.io's allowRequest for polling and WebSocket, the raw WebSocket upgrade,
 * a TCP accept) and refuses with the answer's status and code before any session or hub state is made.
 */

/** What a transport knows of a connection attempt. */
export interface Handshake {
  /** The transport name: `engineio`, `rawws`, `tcp`, … */
  transport: string;
  /** The peer's address (the socket's, or the first hop a trusted proxy names). */
  remoteAddress: string;
  /** The Origin header, when the request had one (never for TCP). */
  origin?: string | undefined;
  /** The Host header, when there was one. */
  host?: string | undefined;
  /** Request headers, lower-case names (empty for TCP). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Query parameters of the request URL (empty for TCP). */
  query: Readonly<Record<string, string>>;
}

/** What an admitted connection carries: its handshake, and the release of what it counted against. */
export interface Ticket {
  readonly ok: true;
  readonly handshake: Handshake;
  /** Gives back what this connection holds (its per-IP slot); idempotent. Call when the wire closes. */
  release(): void;
}

/** A refusal: an HTTP status for handshakes that have one, a stable code and a message for people. */
export interface Refusal {
  readonly ok: false;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** The admission decision for one connection attempt. */
export interface Admission {
  admit(handshake: Handshake): Ticket | Refusal;
}

/** Who a connection is once authenticated; an identity can fix the nick and the rooms allowed. */
export interface Identity {
  /** Stable id of the user (a token's `sub`); a refresh must keep it. */
  subject: string;
  /** When set, the session's nick is this, whatever hello asks for. */
  nick?: string;
  /** When set, only these rooms may be joined (exact names; `*` allows all). */
  rooms?: readonly string[];
  /** Milliseconds since the epoch after which the session ends with `bye token_expired` unless refreshed. */
  expiresAt?: number;
}

/** What authentication is asked: the handshake, and what hello (or refresh) says. */
export interface AuthRequest {
  handshake: Handshake | undefined;
  token: string | undefined;
  ns: string;
  nick: string | undefined;
}

/** The answer of authentication: an identity, or a refusal with its code (`unauthorized`, `token_expired`…). */
export type AuthResult = { ok: true; identity: Identity } | { ok: false; code: string; message: string };

/** Decides who a hello (or a refresh) is; called on every hello, resumes included. */
export type Authenticate = (request: AuthRequest) => AuthResult | Promise<AuthResult>;
