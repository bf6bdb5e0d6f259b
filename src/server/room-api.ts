import type { Hub } from '../core/hub.js';
import { toWire } from '../core/wire.js';
import type { ChatMessage } from '../protocol/schemas.js';

/** A room as server code addresses it: say and emit to its members on every node. */
export interface RoomHandle {
  /** Stores a message from `from` (default `server`, marked `bot`) and sends it to the room; resolves with it as members see it. */
  say(text: string, options?: { from?: string }): Promise<ChatMessage>;
  /** Sends a custom event to every member of the room (not stored); `from` defaults to `server`. */
  emit(event: string, data?: unknown, options?: { from?: string }): void;
}

/** The handle of `room` in namespace `ns` (default `/`); bad names are refused with a ProtocolError on use. */
export function roomHandle(hub: Hub, room: string, ns = '/'): RoomHandle {
  return {
    say: async (text, options = {}) => toWire(await hub.post(ns, room, options.from ?? 'server', text)),
    emit: (event, data, options = {}) => hub.relay(ns, room, event, data ?? null, options.from ?? 'server'),
  };
}
