import type { RangeQuery, RoomInfo, StoredMessage } from '../history/history.js';

/** What a feed reads to find its start and to fill a gap: the MessageLog's (History's) reads. */
export interface FeedSource {
  info(ns: string, room: string): Promise<RoomInfo>;
  range(ns: string, room: string, query: RangeQuery): Promise<{ info: RoomInfo; messages: StoredMessage[] }>;
}

/** Where a feed sends what it has put in order. */
export interface FeedSink {
  /** The next message of the room, each exactly once, in seq order. */
  deliver(message: StoredMessage): void;
  /** Messages `from`..`to` are gone from history (trimmed) and will never be delivered. */
  skipped(from: number, to: number): void;
  /** The room's history is a new one (epoch `epoch`, numbering from 1 again): what came before is gone. */
  reset(epoch: string): void;
  /** A read failed; the feed carried on without it. */
  error(error: unknown, context: string): void;
}

/** Most messages one gap-filling read asks for; a longer gap is filled by several reads in turn. */
const FILL_LIMIT = 1000;

/**
 * One room's feed on one node: the single ordering point between the MessageLog's published messages
 * (which a bus may reorder or drop) and the room's local members. It knows the last seq delivered on this
 * node, holds what arrives early, fills a gap once from history for every member, and hands each message
 * on exactly once, in seq order.
 */
export class RoomFeed {
  /** The last seq handed on; undefined until the room's latest seq at the feed's start is known. */
  private last: number | undefined;
  private readonly held = new Map<number, StoredMessage>();
  private filling = false;
  private stopped = false;
  private startAtFirst = false;
  /** The history the feed follows, once known; messages of an epoch it has left behind are ignored. */
  private epoch: string | undefined;
  private readonly retired = new Set<string>();

  constructor(
    private readonly ns: string,
    private readonly room: string,
    private readonly source: FeedSource,
    private readonly sink: FeedSink,
  ) {
    // Messages up to the room's seq now are history to a joining member: the feed starts after them.
    source.info(ns, room).then(
      (info) => {
        this.epoch ??= info.epoch;
        this.start(info.seq);
      },
      (error: unknown) => {
        // Without the room's seq, the first message that arrives is where this node starts.
        this.sink.error(error, 'feed start');
        this.startAtFirst = true;
        const lowest = this.lowestHeld();
        if (lowest !== undefined) this.start(lowest - 1);
      },
    );
  }

  /** The last seq this node handed on, or undefined while the feed is starting. */
  get lastSeq(): number | undefined {
    return this.last;
  }

  /** Takes one published message, in whatever order the wire brought it, with its epoch when the log gives it. */
  receive(message: StoredMessage, epoch?: string): void {
    if (this.stopped) return;
    if (epoch !== undefined && epoch !== this.epoch) {
      if (this.retired.has(epoch)) return;
      if (this.epoch === undefined) this.epoch = epoch;
      else this.renew(epoch);
    }
    if (this.last !== undefined && message.seq <= this.last) return;
    this.held.set(message.seq, message);
    if (this.last === undefined) {
      if (this.startAtFirst) this.start(message.seq - 1);
      return;
    }
    if (!this.filling) this.drain();
  }

  /** The room has no local member any more: nothing more is handed on, reads in flight are ignored. */
  stop(): void {
    this.stopped = true;
    this.held.clear();
  }

  /** The history was replaced (Redis restarted empty): follow the new one from its first message. */
  private renew(epoch: string): void {
    this.retired.add(this.epoch as string);
    // Bounded: a room sees a new epoch once per loss of its store, but a long-lived feed must not grow.
    if (this.retired.size > 16) this.retired.delete(this.retired.values().next().value as string);
    this.epoch = epoch;
    this.held.clear();
    this.last = 0;
    this.startAtFirst = false;
    this.sink.reset(epoch);
  }

  private start(seq: number): void {
    if (this.stopped) return;
    this.last = seq;
    for (const held of this.held.keys()) if (held <= seq) this.held.delete(held);
    this.drain();
  }

  /** Hands on what is next in order; on a gap, reads the missing messages once. */
  private drain(): void {
    for (;;) {
      const last = this.last as number;
      const next = this.held.get(last + 1);
      if (next) {
        this.held.delete(last + 1);
        this.last = last + 1;
        this.sink.deliver(next);
        if (this.stopped) return;
        continue;
      }
      const lowest = this.lowestHeld();
      if (lowest !== undefined) void this.fill(lowest);
      return;
    }
  }

  /** Reads the messages between the last delivered and `upTo` (exclusive) from history. */
  private async fill(upTo: number): Promise<void> {
    this.filling = true;
    const after = this.last as number;
    const limit = Math.min(upTo - after - 1, FILL_LIMIT);
    let complete = false;
    try {
      const { messages } = await this.source.range(this.ns, this.room, { after, before: upTo, limit });
      for (const message of messages)
        if (message.seq > (this.last as number)) this.held.set(message.seq, message);
      complete = messages.length < limit;
    } catch (error) {
      // Without history the gap cannot be filled: hand on what is held rather than hold the room forever.
      this.sink.error(error, 'feed gap fill');
      complete = true;
    }
    this.filling = false;
    if (this.stopped) return;
    const last = this.last as number;
    if (complete && !this.held.has(last + 1)) {
      const lowest = this.lowestHeld() as number;
      // What is still missing below what we hold is not in history any more: step over it, and say so.
      this.sink.skipped(last + 1, lowest - 1);
      this.last = lowest - 1;
    }
    this.drain();
  }

  private lowestHeld(): number | undefined {
    let lowest: number | undefined;
    for (const seq of this.held.keys()) if (lowest === undefined || seq < lowest) lowest = seq;
    return lowest;
  }
}
