import type { StoredMessage } from '../history/history.js';
import type { Handshake, Identity } from '../ports/admission.js';
import { encode } from '../protocol/encode.js';
import { type ByeCode, type ErrorCode, ProtocolError } from '../protocol/errors.js';
import { parseFrame } from '../protocol/parse.js';
import type { ServerFrame } from '../protocol/schemas.js';
import type { Connection } from './connection.js';
import { type Hub, type Namespace, roomFull } from './hub.js';
import { Outbox, type PackMemo } from './outbox.js';
import { TokenBucket } from './rate.js';
import { handlers } from './requests.js';
import { toWire } from './wire.js';

/** A session's place in a room: the last seq it was sent, and a buffer while a join or resume is catching up. */
export interface Membership {
  lastSeq: number;
  /** The epoch `lastSeq` counts in ('' until the join or resume has read the room's info). */
  epoch: string;
  /** Live messages held back while history is being read; undefined once caught up. */
  buffer: StoredMessage[] | undefined;
  /**
   * Set while the client pulls a paged replay (`history {after}`): the highest live seq seen
   * meanwhile. Live messages are not sent then (history holds them); the pull ends at the latest.
   */
  pulling?: number;
}

type Phase = 'greeting' | 'welcoming' | 'open' | 'closed';

/** Frames a client may send behind its hello (being authenticated) or behind a request under a hook. */
const MAX_EARLY_FRAMES = 100;

/** Consecutive bad frames after which a connection is closed as abusive. */
const MAX_BAD_FRAMES = 20;

/** The rooms of a session that has joined none. */
const NO_ROOMS: ReadonlyMap<string, Membership> = new Map();

/**
 * One client connection's session: it parses frames, runs requests, and queues frames for its
 * connection. Transports call `receive`, `setTransport` and `closed`; nothing else.
 */
export class Session {
  /** The session id, set by hello; stable across resumes. */
  id = '';
  nick = '';
  ns: Namespace | undefined;
  transport: string;
  batch = false;
  /** Granted cap `pages`: a resume replays one page per room and the client pulls the rest. */
  pages = false;
  /** The rooms this session is in; made on the first join, since most idle connections never join one. */
  private joined: Map<string, Membership> | undefined;
  /** Who authentication said this is; set by hello and refresh (Hub.identify), absent without an auth hook. */
  identity: Identity | undefined;
  /** The handshake, kept only until hello (authentication may read a token in it). */
  handshake: Handshake | undefined;
  /** Set by the hub while this session waits in its flush list. */
  dirty = false;
  /** Set when another connection resumed this session: closing then leaves presence to it. */
  private handedOver = false;
  private phase: Phase = 'greeting';
  private readonly outbox = new Outbox();
  private readonly bucket: TokenBucket | undefined;
  private drops = 0;
  private badFrames = 0;
  private early: string[] = [];
  /** Requests waiting for a hook's verdict; frames behind them wait in `early`. */
  private holds = 0;

  constructor(
    readonly hub: Hub,
    readonly conn: Connection,
  ) {
    const { ratePerSec, rateBurst } = hub.options.limits;
    this.transport = conn.transport;
    this.bucket =
      ratePerSec > 0 ? new TokenBucket(ratePerSec, Math.max(1, rateBurst), hub.options.clock()) : undefined;
  }

  /** The rooms this session is in, with its place in each. */
  get rooms(): ReadonlyMap<string, Membership> {
    return this.joined ?? NO_ROOMS;
  }

  /** Records the session's place in a room it is entering. */
  addRoom(room: string, membership: Membership): void {
    if (!this.joined) this.joined = new Map();
    this.joined.set(room, membership);
  }

  get isOpen(): boolean {
    return this.phase === 'open';
  }

  get isClosed(): boolean {
    return this.phase === 'closed';
  }

  /** Handles one inbound text frame; nothing a client sends can make it throw. */
  receive(text: string): void {
    try {
      this.accept(text);
    } catch (error) {
      this.fail(error, undefined, 'receive');
    }
  }

  private accept(text: string): void {
    if (this.phase === 'closed') return;
    if (
      !this.admit(() => {
        const parsed = parseFrame(text, this.hub.options.limits.maxFrameBytes);
        return parsed.ok ? parsed.frame.id : parsed.id;
      })
    )
      return;
    if (this.phase === 'welcoming' || this.holds > 0) {
      // Bounded even with rate limiting off: a client may pipeline a few requests behind its hello.
      if (this.early.length >= MAX_EARLY_FRAMES) {
        this.bye(
          'rate_limited',
          this.holds > 0
            ? 'Too many frames behind a request still being decided.'
            : 'Too many frames before the welcome.',
        );
        return;
      }
      this.early.push(text);
      return;
    }
    this.handle(text);
  }

  /** Answers input the transport could not turn into a text frame (binary, over-long line). */
  invalid(error: ProtocolError): void {
    if (this.phase === 'closed') return;
    // A bad frame costs a token like a good one, or a flood of them would be free.
    if (!this.admit(() => undefined)) return;
    this.error(error.code, error.message);
    this.badFrame();
  }

  /** Tells the session its transport changed (an engine.io upgrade). */
  setTransport(transport: string): void {
    if (transport === this.transport) return;
    this.transport = transport;
    if (this.phase === 'open') this.sendFrame({ type: 'transport', transport });
  }

  /**
   * The transport reports that the connection is gone: the session stays present for the grace period,
   * unless the transport knows the peer closed on purpose (`deliberate`), which leaves at once.
   */
  closed(deliberate = false): void {
    this.cleanup(!deliberate);
  }

  /** The client leaves on purpose: what is queued and the ack go out, the rooms are told `leave` now. */
  quit(id?: number): void {
    if (this.phase === 'closed') return;
    const frames = [...this.outbox.drain(false, 0)];
    if (id !== undefined) frames.push(JSON.stringify({ type: 'ack', id }));
    this.end(frames);
  }

  /** Sends an error and then `bye`, and closes: for refusals before a session exists. */
  refuse(error: ProtocolError, id?: number): void {
    this.error(error.code, error.message, id);
    this.bye('kicked', error.message);
  }

  /** Sends `bye` and closes the connection. */
  bye(code: ByeCode, message: string): void {
    if (this.phase === 'closed') return;
    if (code === 'slow_consumer') {
      this.slowConsumer(message);
      return;
    }
    // A flood is refused once, when the connection is cut: each dropped frame is only an `error` (counted there).
    if (code === 'rate_limited') this.hub.options.observer?.refused('rate_limited', this.transport);
    this.end([...this.outbox.drain(false, 0), encode({ type: 'bye', code, message })]);
  }

  /**
   * Cuts a connection that does not read: what is still queued is dropped, and the `bye` carries, per
   * room, the last seq written before the cut, so a hello with it resumes with nothing lost.
   */
  private slowConsumer(message: string): void {
    this.hub.options.observer?.slowConsumer(this.transport);
    const dropped = this.outbox.drain(false, 0);
    const resume = this.isOpen ? { session: this.id, rooms: resumeCursor(this.rooms, dropped) } : undefined;
    // It is expected back (resume): present for others meanwhile, like a dropped connection.
    this.end([encode({ type: 'bye', code: 'slow_consumer', message, ...(resume ? { resume } : {}) })], true);
  }

  private end(frames: string[], park = false): void {
    this.cleanup(park);
    try {
      this.conn.write(frames);
    } finally {
      this.conn.close();
    }
  }

  /** Queues one encoded frame for the end of the turn. */
  send(encoded: string): void {
    if (this.phase === 'closed') return;
    this.outbox.push(encoded);
    if (this.outbox.bytes > this.hub.options.limits.maxBufferBytes) {
      this.bye('slow_consumer', 'The send buffer overflowed.');
      return;
    }
    this.hub.markDirty(this);
  }

  /** Encodes and queues a frame. */
  sendFrame(frame: ServerFrame): void {
    this.send(encode(frame));
  }

  /** Answers a request: an ack with `fields` when it carried an id. */
  ack(id: number | undefined, fields: Record<string, unknown> = {}): void {
    if (id !== undefined) this.send(JSON.stringify({ type: 'ack', id, ...fields }));
  }

  /** Sends an error frame; `reason` is an application's reason for a hook's refusal. */
  error(code: ErrorCode, message: string, id?: number, reason?: string): void {
    this.hub.options.observer?.errorSent(code);
    this.sendFrame({
      type: 'error',
      ...(id === undefined ? {} : { id }),
      code,
      message,
      ...(reason === undefined ? {} : { reason }),
    });
  }

  /** Writes what is queued: called by the hub once per turn, with the turn's memo of batch packings. */
  flush(memo?: PackMemo): void {
    this.dirty = false;
    if (this.phase === 'closed' || this.outbox.length === 0) return;
    this.conn.write(this.outbox.drain(this.batch, this.hub.options.limits.maxFrameBytes, memo));
    if (this.conn.bufferedBytes() > this.hub.options.limits.maxBufferBytes) {
      this.bye('slow_consumer', 'The connection is not reading fast enough.');
    }
  }

  /** Bytes the outbound path may still take before the slow-consumer bound (queued and unread count). */
  outboundRoom(): number {
    const used = this.outbox.bytes + this.conn.bufferedBytes();
    return Math.max(0, this.hub.options.limits.maxBufferBytes - used);
  }

  /** Delivers a room message (the room's feed gives them in seq order): held while catching up, dropped when already sent. */
  deliver(message: StoredMessage, encoded: string): void {
    const membership = this.rooms.get(message.room);
    if (!membership) return;
    if (membership.pulling !== undefined) {
      membership.pulling = Math.max(membership.pulling, message.seq);
      return;
    }
    if (membership.buffer) {
      membership.buffer.push(message);
      return;
    }
    if (message.seq <= membership.lastSeq) return;
    membership.lastSeq = message.seq;
    this.hub.options.observer?.delivered(this.hub.options.clock() - message.ts);
    this.send(encoded);
  }

  /** The room's history is a new one: tells the client (a `gap` with the new epoch) and follows it from seq 1. */
  epochChanged(room: string, epoch: string, encodedGap: string): void {
    const membership = this.rooms.get(room);
    if (!membership) return;
    membership.lastSeq = 0;
    membership.epoch = epoch;
    membership.pulling = undefined;
    if (membership.buffer) membership.buffer = [];
    this.send(encodedGap);
  }

  /** Releases live messages held during a join or resume, skipping what history already gave. */
  catchUp(membership: Membership): void {
    const held = membership.buffer ?? [];
    membership.buffer = undefined;
    held.sort((a, b) => a.seq - b.seq);
    for (const message of held) this.deliver(message, encode({ type: 'message', ...toWire(message) }));
  }

  /**
   * Puts the session in a room's presence and, when it was not a member already (a resume of a member
   * is not a join), tells the room's members on every node.
   */
  async enterPresence(room: string): Promise<void> {
    const ns = this.ns as Namespace;
    const member = { session: this.id, nick: this.nick, node: this.hub.nodeId };
    const { presence } = this.hub.options;
    const { members, added } = await presence.join(ns.name, room, member);
    if (added && members > this.hub.limit('maxMembersPerRoom')) {
      // Full over every node: taken out again before anyone is told of the join.
      await presence.leave(ns.name, room, this.id);
      throw roomFull(room);
    }
    if (added) this.hub.announce(ns.name, room, 'join', this.nick, this.id, members);
  }

  /** Takes the session out of a room here only: its presence join failed or was refused, so nobody was told of it. */
  dropRoom(room: string): void {
    const ns = this.ns;
    if (!ns) return;
    this.joined?.delete(room);
    this.hub.removeMember(ns, room, this);
  }

  /** Takes the session out of a room (here and in presence) and tells the room. */
  leaveRoom(room: string): void {
    const ns = this.ns;
    if (!ns) return;
    this.joined?.delete(room);
    this.hub.removeMember(ns, room, this);
    const nick = this.nick;
    this.hub.options.presence.leave(ns.name, room, this.id).then(
      (members) => this.hub.announce(ns.name, room, 'leave', nick, this.id, members),
      (error: unknown) => this.hub.options.onError?.(error, 'presence leave'),
    );
  }

  /**
   * The session was resumed on another connection (this node's or another's): it closes without leaving
   * its rooms or giving up its nick, since the connection that took it over holds them now.
   */
  takenOver(): void {
    this.handedOver = true;
    // Parked after its connection dropped: the resume takes its rooms and nick as they are.
    if (this.hub.unpark(this)) return;
    this.bye('kicked', 'This session was resumed on another connection.');
  }

  /** Leaves for good after the grace period: the rooms are told, the nick and the session are released. */
  depart(): Promise<void> {
    const ns = this.ns;
    if (!ns || this.handedOver) return Promise.resolve();
    const nick = this.nick;
    for (const room of this.rooms.keys()) {
      this.hub.options.presence.leave(ns.name, room, this.id).then(
        (members) => this.hub.announce(ns.name, room, 'leave', nick, this.id, members),
        (error: unknown) => this.hub.options.onError?.(error, 'presence leave'),
      );
    }
    this.joined?.clear();
    if (ns.sessions.get(this.id) === this) ns.sessions.delete(this.id);
    return this.releasePresence(ns.name);
  }

  /** Marks the session open after hello; frames that came early are handled now. */
  open(): void {
    this.phase = 'open';
    this.handleEarly();
  }

  /** Holds the frames that follow until `release`: a hook is deciding on a request, and order must hold. */
  hold(): void {
    this.holds++;
  }

  /** Ends a `hold`; once none is left, the frames that waited are handled in order. */
  release(): void {
    if (--this.holds > 0 || this.phase !== 'open') return;
    this.handleEarly();
  }

  private handleEarly(): void {
    while (this.early.length > 0 && this.holds === 0 && this.phase === 'open') {
      this.handle(this.early.shift() as string);
    }
  }

  /** Marks the session as waiting for hello to finish (authentication). */
  welcoming(): void {
    this.phase = 'welcoming';
    this.hub.greeted(this);
  }

  /** Reports a failure: protocol errors as themselves, anything else as `internal` (and logged). */
  fail(error: unknown, id: number | undefined, context: string): void {
    if (error instanceof ProtocolError) {
      this.error(error.code, error.message, id, error.reason);
      return;
    }
    this.hub.options.onError?.(error, context);
    this.error('internal', 'The server failed while handling the request.', id);
  }

  /**
   * Takes a rate-limit token for one inbound frame, valid or not; false when the frame is dropped
   * (answered `rate_limited`) or the connection was closed for flooding. `idOf` is only read when
   * the frame is refused, so the cost of parsing stays off the usual path.
   */
  private admit(idOf: () => number | undefined): boolean {
    if (!this.bucket || this.bucket.take(this.hub.options.clock())) {
      // Forgiven one per admitted frame, not all at once: a client at many times the rate gets one
      // token per refill and would otherwise never be seen as flooding.
      if (this.drops > 0) this.drops--;
      return true;
    }
    this.drops++;
    if (this.drops > this.hub.options.limits.rateBurst) {
      this.bye('rate_limited', 'Too many frames past the rate limit.');
      return false;
    }
    this.error('rate_limited', 'Over the rate limit; the frame was dropped.', idOf());
    return false;
  }

  private handle(text: string): void {
    const parsed = parseFrame(text, this.hub.options.limits.maxFrameBytes);
    if (!parsed.ok) {
      this.error(parsed.error.code, parsed.error.message, parsed.id);
      this.badFrame();
      return;
    }
    const frame = parsed.frame;
    // A quit needs no session: before hello it only closes.
    if (this.phase === 'greeting' && frame.type !== 'hello' && frame.type !== 'quit') {
      this.error('hello_required', 'Send hello first.', frame.id);
      this.badFrame();
      return;
    }
    this.badFrames = 0;
    try {
      const handler = handlers[frame.type] as (s: Session, f: typeof frame) => void | Promise<void>;
      const result = handler(this, frame);
      if (result) result.catch((error: unknown) => this.fail(error, frame.id, frame.type));
    } catch (error) {
      this.fail(error, frame.id, frame.type);
    }
  }

  private badFrame(): void {
    if (++this.badFrames >= MAX_BAD_FRAMES) this.bye('kicked', 'Too many bad frames.');
  }

  /** Ends the session's connection; `park` keeps it present for the grace period instead of leaving now. */
  private cleanup(park = false): void {
    if (this.phase === 'closed') return;
    const wasOpen = this.phase === 'open';
    this.phase = 'closed';
    const ns = this.ns;
    if (ns && wasOpen) {
      if (this.handedOver) {
        for (const room of this.rooms.keys()) this.hub.removeMember(ns, room, this);
        this.joined?.clear();
      } else if (park && this.hub.limit('presenceGraceMs') > 0) {
        // Out of the rooms here (nothing is delivered to it), still a member in presence; ns.sessions keeps
        // it, so a resume finds it and takes it over without a leave and a join.
        for (const room of this.rooms.keys()) this.hub.removeMember(ns, room, this);
        this.hub.park(this);
        this.hub.forget(this);
        return;
      } else {
        for (const room of [...this.rooms.keys()]) this.leaveRoom(room);
        this.releasePresence(ns.name);
      }
      if (ns.sessions.get(this.id) === this) ns.sessions.delete(this.id);
    }
    this.hub.forget(this);
  }

  /** Gives up the nick and the session's ownership in presence (after the rooms' leaves, which use the nick). */
  private releasePresence(ns: string): Promise<void> {
    const { presence, onError } = this.hub.options;
    const failed = (error: unknown) => onError?.(error, 'presence release');
    return Promise.all([
      presence.releaseNick(ns, this.nick, this.id).catch(failed),
      presence.releaseSession(ns, this.id, this.hub.nodeId).catch(failed),
    ]).then(() => undefined);
  }
}

/**
 * Per room, the last seq surely written to the wire: the session's own, lowered below the first message
 * of the room among the frames a cut dropped (live messages; pages of a paged replay's pull, in acks).
 */
function resumeCursor(
  rooms: ReadonlyMap<string, Membership>,
  dropped: readonly string[],
): Record<string, { epoch: string; seq: number }> {
  const cursor: Record<string, { epoch: string; seq: number }> = {};
  for (const [room, m] of rooms) if (m.epoch !== '') cursor[room] = { epoch: m.epoch, seq: m.lastSeq };
  const lower = (room: unknown, seq: unknown, pulls: boolean) => {
    if (typeof room !== 'string' || typeof seq !== 'number' || !Object.hasOwn(cursor, room)) return;
    // An ack's page is a pull's only in a room being pulled; elsewhere it is older history, already behind.
    if (pulls && rooms.get(room)?.pulling === undefined) return;
    const at = cursor[room] as { seq: number };
    if (seq - 1 < at.seq) at.seq = seq - 1;
  };
  for (const frame of dropped) {
    // Only frames that can hold messages are parsed, once, at the cut.
    if (frame.startsWith('{"type":"message"')) {
      const m = JSON.parse(frame) as { room?: unknown; seq?: unknown };
      lower(m.room, m.seq, false);
    } else if (frame.startsWith('{"type":"ack"') && frame.includes('"messages"')) {
      const { messages } = JSON.parse(frame) as { messages?: unknown };
      if (!Array.isArray(messages)) continue;
      for (const m of messages as { room?: unknown; seq?: unknown }[]) lower(m?.room, m?.seq, true);
    }
  }
  return cursor;
}
