import type { ChatMessage } from '../protocol/schemas.js';

/** A message as History stores it: the wire message plus the sending session, which never leaves the server. */
export interface StoredMessage extends ChatMessage {
  /** The session that sent it; with `cid` it makes a resend recognisable. */
  session: string;
}

/** What the hub asks History to store; History assigns `seq`. */
export type NewMessage = Omit<StoredMessage, 'seq'>;

/** The result of an append: the stored message, and whether an earlier one with the same session and cid was returned instead. */
export interface AppendResult {
  message: StoredMessage;
  duplicate: boolean;
}

/** A room history's identity and bounds. */
export interface RoomInfo {
  /** Changes whenever the history is new (fresh store, flushed backend). */
  epoch: string;
  /** The latest seq stored, 0 when none. */
  seq: number;
  /** The oldest seq still held, or seq + 1 when nothing is held. */
  first: number;
}

/** A query over a room's stored messages, by seq. */
export interface RangeQuery {
  /** Only messages with seq > after. */
  after?: number;
  /** Only messages with seq < before. */
  before?: number;
  /** At most this many: the oldest ones when `after` is given, otherwise the newest ones. */
  limit: number;
}

/**
 * The History port: where room messages are stored and numbered. Implementations must give each room
 * a `seq` that rises by exactly one per stored message, and must resolve appends of one room in seq order.
 */
export interface History {
  /** Stores a message and resolves with it numbered, or with the earlier message of the same session and cid. */
  append(ns: string, room: string, message: NewMessage): Promise<AppendResult>;
  /** The room's epoch and seq bounds. */
  info(ns: string, room: string): Promise<RoomInfo>;
  /** Messages of a room in ascending seq order, with the room's info. */
  range(ns: string, room: string, query: RangeQuery): Promise<{ info: RoomInfo; messages: StoredMessage[] }>;
  /** Releases connections and timers. */
  close(): Promise<void>;
  /**
   * A room got a member: its log exists from now on, so its epoch is the one the member is told. Only a
   * store that frees rooms (`forget`) needs it.
   */
  keep?(ns: string, room: string): void;
  /** Frees a room nobody uses any more; if it is used again it starts over under a new epoch, so no cursor into it is mistaken. */
  forget?(ns: string, room: string): void;
}
