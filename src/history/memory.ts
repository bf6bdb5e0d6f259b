import type { AppendResult, History, NewMessage, RangeQuery, RoomInfo, StoredMessage } from './history.js';

interface RoomLog {
  /** A room's log gets an epoch of its own when it is made, so one that was forgotten and made again is a new history. */
  epoch: string;
  seq: number;
  /** Ring of the newest messages, oldest first from `head`. */
  ring: StoredMessage[];
  head: number;
  /** session + cid of held messages, for resend de-duplication. */
  cids: Map<string, StoredMessage>;
}

/** Options for MemoryHistory. */
export interface MemoryHistoryOptions {
  /** Messages kept per room; older ones are trimmed. @default 1000 */
  limit?: number;
  /** Makes a new epoch string. */
  newEpoch: () => string;
}

/**
 * The default History: bounded per-room rings in this process. Rooms share the process's epoch until one
 * is freed (`forget`): from then on rooms made (on a first member or message) get a new one, so a freed
 * room used again is a new history to every cursor. Reading a room that was never made stores nothing.
 */
export class MemoryHistory implements History {
  private readonly rooms = new Map<string, RoomLog>();
  private readonly limit: number;
  private readonly newEpoch: () => string;
  /**
   * The log of a room not made (yet): its epoch is the one a log made now gets. It changes on every
   * `forget`, so a room made again after being forgotten is a new history to any cursor into the old one.
   */
  private empty: RoomLog;

  constructor(options: MemoryHistoryOptions) {
    this.limit = Math.max(1, options.limit ?? 1000);
    this.newEpoch = options.newEpoch;
    this.empty = { epoch: options.newEpoch(), seq: 0, ring: [], head: 0, cids: new Map() };
  }

  /** Stores a message synchronously; the promise only keeps the port's shape. */
  append(ns: string, room: string, message: NewMessage): Promise<AppendResult> {
    const log = this.writable(ns, room);
    const cidKey = message.cid === undefined ? undefined : `${message.session}\u0000${message.cid}`;
    if (cidKey !== undefined) {
      const earlier = log.cids.get(cidKey);
      if (earlier) return Promise.resolve({ message: earlier, duplicate: true });
    }
    const stored: StoredMessage = { ...message, seq: log.seq + 1 };
    log.seq = stored.seq;
    if (log.ring.length < this.limit) {
      log.ring.push(stored);
    } else {
      const evicted = log.ring[log.head] as StoredMessage;
      if (evicted.cid !== undefined) log.cids.delete(`${evicted.session}\u0000${evicted.cid}`);
      log.ring[log.head] = stored;
      log.head = (log.head + 1) % this.limit;
    }
    if (cidKey !== undefined) log.cids.set(cidKey, stored);
    return Promise.resolve({ message: stored, duplicate: false });
  }

  info(ns: string, room: string): Promise<RoomInfo> {
    return Promise.resolve(this.infoOf(this.rooms.get(key(ns, room)) ?? this.empty));
  }

  range(ns: string, room: string, query: RangeQuery): Promise<{ info: RoomInfo; messages: StoredMessage[] }> {
    const log = this.rooms.get(key(ns, room)) ?? this.empty;
    const info = this.infoOf(log);
    const lo = Math.max(info.first, (query.after ?? 0) + 1);
    const hi = Math.min(log.seq, (query.before ?? Number.POSITIVE_INFINITY) - 1);
    if (hi < lo || query.limit <= 0) return Promise.resolve({ info, messages: [] });
    const from = query.after !== undefined ? lo : Math.max(lo, hi - query.limit + 1);
    const to = Math.min(hi, from + query.limit - 1);
    const messages: StoredMessage[] = [];
    for (let seq = from; seq <= to; seq++) messages.push(this.at(log, seq, info.first));
    return Promise.resolve({ info, messages });
  }

  keep(ns: string, room: string): void {
    this.writable(ns, room);
  }

  forget(ns: string, room: string): void {
    if (this.rooms.delete(key(ns, room))) this.empty = { ...this.empty, epoch: this.newEpoch() };
  }

  close(): Promise<void> {
    this.rooms.clear();
    return Promise.resolve();
  }

  private at(log: RoomLog, seq: number, first: number): StoredMessage {
    return log.ring[(log.head + (seq - first)) % log.ring.length] as StoredMessage;
  }

  private infoOf(log: RoomLog): RoomInfo {
    return { epoch: log.epoch, seq: log.seq, first: log.seq - log.ring.length + 1 };
  }

  private writable(ns: string, room: string): RoomLog {
    const k = key(ns, room);
    let log = this.rooms.get(k);
    if (!log) {
      log = { epoch: this.empty.epoch, seq: 0, ring: [], head: 0, cids: new Map() };
      this.rooms.set(k, log);
    }
    return log;
  }
}

function key(ns: string, room: string): string {
  return `${ns}\u0000${room}`;
}
