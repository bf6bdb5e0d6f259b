// The wire protocol v1 (PROTOCOL.md) as the client sees it, as plain types. They are not derived from the
// TypeBox schemas of src/protocol: the bundle would not grow (type imports are erased), but the shipped
// declarations (build/client.d.ts) would then need @sinclair/typebox installed to mean anything, and without
// it every frame type silently becomes `any`. test/unit/client/protocol.test.ts keeps them in step with the
// server's schemas at compile time.

/** A stored room message. */
export interface ChatMessage {
  room: string;
  seq: number;
  msgId: string;
  from: string;
  text: string;
  /** Milliseconds since the epoch, server time. */
  ts: number;
  /** The sender's client message id, when it gave one. */
  cid?: string;
  /** Posted over the REST API by an application, not said by a connected person. */
  bot?: true;
}

export interface WelcomeFrame {
  type: 'welcome';
  v: 1;
  session: string;
  nick: string;
  ns: string;
  transport: string;
  limits: { maxFrameBytes: number; ratePerSec: number };
  caps?: string[];
  /** When the identity expires (ms since the epoch) unless refreshed. */
  expiresAt?: number;
}
export interface MessageFrame extends ChatMessage {
  type: 'message';
}
export interface PresenceFrame {
  type: 'presence';
  room: string;
  event: 'join' | 'leave';
  nick: string;
  /** Member count after the change. */
  members: number;
  /** On a nick change: the `leave` names the new nick and the `join` the old one. */
  renamed?: string;
}
export interface EventFrame {
  type: 'event';
  room: string;
  event: string;
  data: unknown;
  from: string;
}
export type AckFrame = { type: 'ack'; id: number } & { [field: string]: unknown };
export interface ErrorFrame {
  type: 'error';
  id?: number;
  code: string;
  message: string;
}
export interface GapFrame {
  type: 'gap';
  room: string;
  reason: 'trimmed' | 'epoch';
  from?: number;
  to?: number;
  epoch?: string;
}
export interface ResumedFrame {
  type: 'resumed';
  /** `more`: the replay was one page; the rest is pulled with `history {after: seq}` (cap `pages`). */
  rooms: { [room: string]: { epoch: string; seq: number; replayed: number; more?: boolean } };
}
export interface TransportFrame {
  type: 'transport';
  transport: string;
}
export interface ByeFrame {
  type: 'bye';
  code: string;
  message: string;
}

/** Every frame the server sends (after batch unpacking). */
export type ServerFrame =
  | WelcomeFrame
  | MessageFrame
  | PresenceFrame
  | EventFrame
  | AckFrame
  | ErrorFrame
  | GapFrame
  | ResumedFrame
  | TransportFrame
  | ByeFrame;

/** The capabilities this client offers in hello. */
export const CLIENT_CAPS = ['batch', 'pages'] as const;

function isFrame(value: unknown): value is { type: string } {
  return (
    typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string'
  );
}

/**
 * Decodes one received text into frames, in order: a `batch` frame yields its inner frames, exactly as if
 * they had arrived one by one. Text that is not a JSON frame yields nothing (the server never sends it).
 */
export function decodeFrames(text: string): ServerFrame[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isFrame(value)) return [];
  if (value.type !== 'batch') return [value as ServerFrame];
  const inner = (value as { frames?: unknown }).frames;
  return Array.isArray(inner) ? (inner.filter(isFrame) as ServerFrame[]) : [];
}
