/** Every port of the gateway in one place: what the core needs from outside, each with an in-memory default. */
export type { Bus, BusEvent } from '../bus/bus.js';
export type { Connection, ConnectionInfo } from '../core/connection.js';
export type {
  AppendResult,
  History,
  NewMessage,
  RangeQuery,
  RoomInfo,
  StoredMessage,
} from '../history/history.js';
export type {
  Admission,
  Authenticate,
  AuthRequest,
  AuthResult,
  Handshake,
  Identity,
  Refusal,
  Ticket,
} from './admission.js';
export type { EmitVerdict, HookRefusal, HookRequest, Hooks, JoinVerdict, SayVerdict } from './hooks.js';
export type { MessageLog } from './message-log.js';
export { NO_OBSERVER, type Observer } from './observer.js';
export type { Departure, MemberRef, Presence } from './presence.js';
