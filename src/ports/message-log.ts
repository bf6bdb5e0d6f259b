import type { AppendResult, History, NewMessage, StoredMessage } from '../history/history.js';

/** Receives each published message, with the room's epoch when the log can change it (Redis restarted empty). */
export type MessageHandler = (ns: string, message: StoredMessage, epoch?: string) => void;

/**
 * The MessageLog port: numbers a message and distributes it, in one step, so that with Redis both happen
 * in one script (XADD with MAXLEN + PUBLISH) and every node agrees on one order. Reads (info, range) are
 * the History port's. The Bus no longer carries messages.
 */
export interface MessageLog extends Omit<History, 'append'> {
  /** Stores, numbers and publishes a message to every node's feeds (this one's too); a resend with the same session and cid is returned, not stored or published again. */
  append(ns: string, room: string, message: NewMessage): Promise<AppendResult>;
  /** Registers the one handler that receives every published message, per room in seq order as far as the wire keeps it (the RoomFeed repairs the rest). */
  subscribe(handler: MessageHandler): void;
}
