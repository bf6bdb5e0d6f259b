/**
 * The Hooks port: application logic on the server. Hooks see a `join`, `say` or `emit` before it takes
 * effect and allow it, refuse it, or (for `say` and `emit`) rewrite it; event handlers answer a custom
 * event's ack with a reply instead of relaying it. A hook may be async: the requests a connection sends
 * behind a request under a hook wait for its verdict, so they keep their order.
 */

import type { Identity } from './admission.js';

/** Who sent a request, as a hook sees them. */
export interface HookSender {
  /** The session id (stable across resumes). */
  session: string;
  nick: string;
  /** What authentication said, when there is an authenticate hook or AUTH_SECRET. */
  identity?: Identity | undefined;
  /** The transport the connection uses now (`websocket`, `polling`, `rawws`, `sse`, `tcp`). */
  transport: string;
}

/** What a hook is shown of a request: its namespace and room, and who sent it. */
export interface HookRequest {
  ns: string;
  room: string;
  sender: HookSender;
}

/** A refusal: the client gets `error` `refused` with this message, and `reason` when given. */
export interface HookRefusal {
  action: 'refuse';
  /** A stable, application-defined reason (`[a-z][a-z0-9_]*`, at most 40 characters) for clients to act on. */
  reason?: string;
  /** Shown to the person; defaults to a generic one. */
  message?: string;
}

/** Lets the request through unchanged (returning nothing does the same). */
export interface HookAllow {
  action: 'allow';
}

/** What a `join` hook answers. */
export type JoinVerdict = HookAllow | HookRefusal | undefined;
/** What a `say` hook answers: allow, refuse, or store this text instead (valid text, 1 to 4,000 characters). */
export type SayVerdict = JoinVerdict | { action: 'rewrite'; text: string };
/** What an `emit` hook answers: allow, refuse, or relay this data instead. */
export type EmitVerdict = JoinVerdict | { action: 'rewrite'; data: unknown };

/** The application logic a server runs beside the chat; every member is optional. */
export interface Hooks {
  /** Before a member joins a room (not on a resume's rejoin of a room it was in). */
  join?(request: HookRequest): JoinVerdict | Promise<JoinVerdict>;
  /** Before a message is stored and sent to the room. */
  say?(request: HookRequest & { text: string }): SayVerdict | Promise<SayVerdict>;
  /** Before a custom event is relayed to the room (not called for events an `events` handler answers). */
  emit?(request: HookRequest & { event: string; data: unknown }): EmitVerdict | Promise<EmitVerdict>;
  /**
   * Handlers of custom events by name: the event goes to the server, not to the room, and what the handler
   * returns (any JSON) is the `reply` of the sender's ack. A handler may refuse by returning a HookRefusal.
   */
  events?: Readonly<
    Record<string, (request: HookRequest & { event: string; data: unknown }) => unknown | Promise<unknown>>
  >;
}

/** The pattern of a refusal's reason. */
export const REASON_RE = /^[a-z][a-z0-9_]{0,39}$/;

/** True when `value` is a refusal verdict. */
export function isRefusal(value: unknown): value is HookRefusal {
  return typeof value === 'object' && value !== null && (value as { action?: unknown }).action === 'refuse';
}
