import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { LIMITS } from './limits.js';

/**
 * Every frame of PROTOCOL.md v1 as a TypeBox schema. The TypeScript types below are derived from these
 * schemas, so the validator and the types cannot drift apart. Unknown fields are allowed (the protocol
 * says they are ignored).
 */

const Id = Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }));
// Names are checked by their own rules (invalid_room, invalid_nick) rather than by length here, so that an
// over-long name gets the specific code; the frame size limit bounds them.
const Room = Type.String();
const Seq = Type.Integer({ minimum: 0 });

/** Builds a client request schema: `type` literal, optional `id`, and its own fields. */
function request<T extends string, P extends Record<string, TSchema>>(type: T, props: P) {
  return Type.Object({ type: Type.Literal(type), id: Id, ...props });
}

export const ResumeRoom = Type.Object({ epoch: Type.String({ maxLength: 64 }), seq: Seq });

export const HelloFrame = request('hello', {
  v: Type.Optional(Type.Integer()),
  /** Any value: a missing, invalid or non-string nick is replaced with a free one, never refused. */
  nick: Type.Optional(Type.Unknown()),
  ns: Type.Optional(Type.String({ maxLength: 64 })),
  token: Type.Optional(Type.String({ maxLength: 4096 })),
  caps: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 })),
  resume: Type.Optional(
    Type.Object({
      session: Type.String({ maxLength: 64 }),
      rooms: Type.Optional(Type.Record(Type.String(), ResumeRoom)),
    }),
  ),
});
/** What a hello's `resume` names: the session and a cursor per room (also what `bye slow_consumer` hands back). */
export const ResumeCursor = Type.Object({
  session: Type.String(),
  rooms: Type.Record(Type.String(), ResumeRoom),
});
export type ResumeCursor = Static<typeof ResumeCursor>;
export const JoinFrame = request('join', { room: Room });
export const LeaveFrame = request('leave', { room: Room });
export const SayFrame = request('say', {
  room: Room,
  text: Type.String(),
  cid: Type.Optional(Type.String({ minLength: 1, maxLength: LIMITS.cidMax })),
});
export const EmitFrame = request('emit', {
  room: Room,
  event: Type.String({ minLength: 1, maxLength: LIMITS.eventMax }),
  data: Type.Optional(Type.Unknown()),
});
export const NickFrame = request('nick', { nick: Type.String() });
export const WhoFrame = request('who', { room: Room });
export const HistoryFrame = request('history', {
  room: Room,
  before: Type.Optional(Seq),
  /** Pages forward from this seq (exclusive), as a client pulling a paged replay does. */
  after: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIMITS.historyMax })),
});
export const PingFrame = request('ping', {});
/** A new token for the live connection's identity (same subject); acked with the new `expiresAt`. */
export const RefreshFrame = request('refresh', { token: Type.String({ minLength: 1, maxLength: 4096 }) });
/** Leaving on purpose: the rooms are told `leave` now, with no presence grace; acked, then the server closes. */
export const QuitFrame = request('quit', {});

/** Client-to-server frames by type. */
export const CLIENT_FRAMES = {
  hello: HelloFrame,
  join: JoinFrame,
  leave: LeaveFrame,
  say: SayFrame,
  emit: EmitFrame,
  nick: NickFrame,
  who: WhoFrame,
  history: HistoryFrame,
  ping: PingFrame,
  refresh: RefreshFrame,
  quit: QuitFrame,
} as const;

export type ClientFrameType = keyof typeof CLIENT_FRAMES;
export type HelloFrame = Static<typeof HelloFrame>;
export type JoinFrame = Static<typeof JoinFrame>;
export type SayFrame = Static<typeof SayFrame>;
export type EmitFrame = Static<typeof EmitFrame>;
export type HistoryFrame = Static<typeof HistoryFrame>;
/** Any valid client frame. */
export type ClientFrame = { [K in ClientFrameType]: Static<(typeof CLIENT_FRAMES)[K]> }[ClientFrameType];

// Server-to-client frames.

export const ChatMessage = Type.Object({
  room: Type.String(),
  seq: Seq,
  msgId: Type.String(),
  from: Type.String(),
  text: Type.String(),
  ts: Type.Integer(),
  cid: Type.Optional(Type.String()),
  /** Set on messages posted over REST (`POST /api/rooms/:room/messages`), not said by a connected person. */
  bot: Type.Optional(Type.Literal(true)),
});
export type ChatMessage = Static<typeof ChatMessage>;

export const Limits = Type.Object({ maxFrameBytes: Type.Integer(), ratePerSec: Type.Number() });

export const WelcomeFrame = Type.Object({
  type: Type.Literal('welcome'),
  v: Type.Literal(1),
  session: Type.String(),
  nick: Type.String(),
  ns: Type.String(),
  transport: Type.String(),
  limits: Limits,
  caps: Type.Optional(Type.Array(Type.String())),
  /** When the identity expires (ms since the epoch) unless a `refresh` comes first. */
  expiresAt: Type.Optional(Type.Integer()),
});
export const MessageFrame = Type.Composite([Type.Object({ type: Type.Literal('message') }), ChatMessage]);
export const PresenceFrame = Type.Object({
  type: Type.Literal('presence'),
  room: Type.String(),
  event: Type.Union([Type.Literal('join'), Type.Literal('leave')]),
  nick: Type.String(),
  members: Type.Integer(),
  /** On a nick change: the `leave` names the new nick and the `join` the old one. */
  renamed: Type.Optional(Type.String()),
});
export const EventFrame = Type.Object({
  type: Type.Literal('event'),
  room: Type.String(),
  event: Type.String(),
  data: Type.Unknown(),
  from: Type.String(),
});
export const AckFrame = Type.Object(
  { type: Type.Literal('ack'), id: Type.Integer() },
  { additionalProperties: true },
);
export const ErrorFrame = Type.Object({
  type: Type.Literal('error'),
  id: Type.Optional(Type.Integer()),
  code: Type.String(),
  message: Type.String(),
  /** With `refused`: the application's reason. */
  reason: Type.Optional(Type.String()),
});
export const GapFrame = Type.Object({
  type: Type.Literal('gap'),
  room: Type.String(),
  reason: Type.Union([Type.Literal('trimmed'), Type.Literal('epoch')]),
  from: Type.Optional(Seq),
  to: Type.Optional(Seq),
  epoch: Type.Optional(Type.String()),
});
export const ResumedRoom = Type.Object({
  epoch: Type.String(),
  seq: Seq,
  replayed: Type.Integer(),
  /** More to replay than this page: pull it with `history {after: seq}` (cap `pages`). */
  more: Type.Optional(Type.Boolean()),
});
export const ResumedFrame = Type.Object({
  type: Type.Literal('resumed'),
  rooms: Type.Record(Type.String(), ResumedRoom),
});
export const TransportFrame = Type.Object({ type: Type.Literal('transport'), transport: Type.String() });
export const ByeFrame = Type.Object({
  type: Type.Literal('bye'),
  code: Type.String(),
  message: Type.String(),
  /** With `slow_consumer`: where a hello resumes without losing what the cut dropped. */
  resume: Type.Optional(ResumeCursor),
});

export type WelcomeFrame = Static<typeof WelcomeFrame>;
export type PresenceFrame = Static<typeof PresenceFrame>;
export type EventFrame = Static<typeof EventFrame>;
export type ErrorFrame = Static<typeof ErrorFrame>;
export type GapFrame = Static<typeof GapFrame>;
export type ResumedFrame = Static<typeof ResumedFrame>;
export type ResumedRoom = Static<typeof ResumedRoom>;
export type ByeFrame = Static<typeof ByeFrame>;
export type AckFrame = { type: 'ack'; id: number } & Record<string, unknown>;
export type MessageFrame = Static<typeof MessageFrame>;
/** Any frame the server sends. */
export type ServerFrame =
  | WelcomeFrame
  | MessageFrame
  | PresenceFrame
  | EventFrame
  | AckFrame
  | ErrorFrame
  | GapFrame
  | ResumedFrame
  | ByeFrame
  | Static<typeof TransportFrame>;
