import type { Bus, BusEvent } from '../bus/bus.js';
import type { StoredMessage } from '../history/history.js';
import type { Authenticate, Identity } from '../ports/admission.js';
import type { Hooks } from '../ports/hooks.js';
import type { MessageLog } from '../ports/message-log.js';
import type { Observer } from '../ports/observer.js';
import type { Departure, Presence } from '../ports/presence.js';
import { encode } from '../protocol/encode.js';
import { ProtocolError } from '../protocol/errors.js';
import { MAX_DATA_DEPTH, tooDeep } from '../protocol/json-depth.js';
import { LIMITS } from '../protocol/limits.js';
import { isValidRoom, isValidText, nickKey, normalizeNick } from '../protocol/names.js';
import { ExpiryQueue } from './auth-state.js';
import type { Connection, ConnectionInfo } from './connection.js';
import { dueFront } from './due.js';
import { PackMemo } from './outbox.js';
import { RoomFeed } from './room-feed.js';
import { Session } from './session.js';
import { toWire } from './wire.js';

/** Limits applied to every connection, whatever its transport. */
export interface HubLimits {
  /** Largest inbound frame in bytes. @default 65536 */
  maxFrameBytes: number;
  /** Sustained inbound frames per second; 0 turns the limit off. @default 20 */
  ratePerSec: number;
  /** Frames that may arrive at once before the rate applies. @default 40 */
  rateBurst: number;
  /** Bytes queued for one connection before it is dropped as a slow consumer. @default 4 MiB */
  maxBufferBytes: number;
  /** Messages a resume replays per room before the client pulls the rest (cap `pages`). @default 100 */
  replayPage?: number;
  /** How long a connection may stay without hello before `bye hello_timeout`, ms; 0 is off. @default 0 */
  helloTimeoutMs?: number;
  /** Rooms one session may be in (`too_many_rooms` past it, a resume keeps the first ones). @default 100 */
  maxRoomsPerSession?: number;
  /** Members one room may have on every node together (`room_full` past it). @default 10000 */
  maxMembersPerRoom?: number;
  /** Rooms this process holds, with members here or an idle history (`server_full` past it). @default 100000 */
  maxRooms?: number;
  /** Namespaces with sessions on this process (`server_full` past it). @default 1000 */
  maxNamespaces?: number;
  /**
   * How long a session whose connection dropped keeps its rooms and nick in presence, ms: a resume within
   * it is no leave and no join for anyone. 0 leaves at once. @default 0 (until every client says when it leaves on purpose)
   */
  presenceGraceMs?: number;
  /** How long a room without members here keeps its state (the history too, where the store frees it), ms; 0 keeps it until room is needed. @default 600000 */
  roomIdleTtlMs?: number;
}

/** Defaults of the optional structure limits (docs/configuration.md says why each). */
export const STRUCTURE_DEFAULTS = {
  maxRoomsPerSession: 100,
  maxMembersPerRoom: 10_000,
  maxRooms: 100_000,
  maxNamespaces: 1000,
  roomIdleTtlMs: 600_000,
  presenceGraceMs: 0,
} as const;

/** Everything the hub needs from outside; all I/O and time come in here. */
export interface HubOptions {
  /** Numbers and distributes messages (to this node's feeds too); also the history reads. */
  log: MessageLog;
  /** Presence changes, custom events and kicks between nodes. */
  bus: Bus;
  /** Nicks, members and session owners, cluster-wide. */
  presence: Presence;
  /** This node's id, as presence records it. @default 'local' */
  nodeId?: string;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Runs `fn` once, after the I/O of the current event-loop turn (setImmediate in production). */
  defer: (fn: () => void) => void;
  /** A new unguessable id with the given prefix (`s` sessions, `m` messages). */
  newId: (prefix: 's' | 'm') => string;
  limits: HubLimits;
  /** Decides who a hello (or a refresh) is; when absent every hello may open a session, without identity. */
  authenticate?: Authenticate;
  /** Where errors, refusals, resumes, gaps, slow consumers and delivery latencies are reported. @default NO_OBSERVER */
  observer?: Observer;
  /** The application's logic on join, say and emit, and its custom-event handlers. */
  hooks?: Hooks;
  /** Told about failures that are the server's fault (handler bugs, backend errors). */
  onError?: (error: unknown, context: string) => void;
}

/** The capabilities this server can grant (PROTOCOL.md, "Capabilities"). */
export const SUPPORTED_CAPS: readonly string[] = ['batch', 'pages'];

/** A room as this node sees it: its local members, and the one feed that puts its messages in order for them. */
export interface Room {
  readonly name: string;
  readonly members: Set<Session>;
  readonly feed: RoomFeed;
}

/** A namespace on this node: its rooms with local members, its local sessions by id. */
export interface Namespace {
  readonly name: string;
  readonly rooms: Map<string, Room>;
  readonly sessions: Map<string, Session>;
}

/** A room's public summary, for the REST API. */
export interface RoomSummary {
  room: string;
  members: number;
  seq: number;
}

/**
 * The Hub: namespaces, rooms, members, presence, sequencing, acks and resume. Pure logic: it never opens
 * a socket or starts a timer; transports feed it connections and frames, MessageLog, Presence and Bus do
 * the I/O.
 */
export class Hub {
  readonly sessions = new Set<Session>();
  /** This node's id in presence and on the bus. */
  readonly nodeId: string;
  private readonly namespaces = new Map<string, Namespace>();
  private dirty: Session[] = [];
  private flushScheduled = false;
  /** Sessions whose identity has an expiry, by that expiry; `expire(now)` ends the due ones. */
  private readonly expiries = new ExpiryQueue<Session>();
  /** Sessions that have not sent hello yet, by when they opened; opening order is deadline order. */
  private readonly greeting = new Map<Session, number>();
  /** Rooms with members on this node, over every namespace. */
  private liveRooms = 0;
  /**
   * Rooms without a member here, by when they became idle (insertion order is idle order): their
   * history is freed after `roomIdleTtlMs`, or sooner when the room limit needs the room.
   */
  private readonly idle = new Map<string, { ns: string; room: string; since: number }>();
  /** Sessions whose connection dropped, still present for others, by when; insertion order is deadline order. */
  private readonly parked = new Map<Session, number>();

  constructor(readonly options: HubOptions) {
    this.nodeId = options.nodeId ?? 'local';
    options.log.subscribe((ns, message, epoch) => this.onMessage(ns, message, epoch));
    options.bus.subscribe((event) => this.onBus(event));
    options.presence.onDeparted?.((gone) => this.departed(gone));
  }

  /** Opens a session for a new connection; the transport feeds it frames and tells it when the wire closes. */
  open(conn: Connection, info: ConnectionInfo = {}): Session {
    const session = new Session(this, conn);
    session.handshake = info.handshake;
    this.sessions.add(session);
    // Origin and the per-address caps were decided at the handshake (Admission), before this session.
    if ((this.options.limits.helloTimeoutMs ?? 0) > 0) this.greeting.set(session, this.options.clock());
    return session;
  }

  /** Sends `bye` `shutdown` to every connection and closes it. */
  shutdown(): void {
    for (const session of [...this.sessions]) {
      try {
        session.bye('shutdown', 'The server is shutting down.');
      } catch (error) {
        // A wire that fails now must not cost the other connections their bye.
        this.options.onError?.(error, 'shutdown');
      }
    }
    for (const session of [...this.parked.keys()]) void this.depart(session);
    this.flush();
  }

  /** Keeps a session whose connection dropped present for `presenceGraceMs`: a resume in time finds it as it was. */
  park(session: Session): void {
    this.parked.set(session, this.options.clock());
  }

  /** Takes a session out of the grace period without a leave (it was resumed); false when it was not parked. */
  unpark(session: Session): boolean {
    return this.parked.delete(session);
  }

  /**
   * Ends the grace of every session parked `presenceGraceMs` or more before `now` (ms): their rooms are
   * told they left and their nicks are free. The server calls this from one timer. Returns how many left.
   */
  sweepParked(now: number): number {
    const grace = this.limit('presenceGraceMs');
    const due = dueFront(this.parked, (at) => at + grace <= now);
    for (const session of due) void this.depart(session);
    return due.length;
  }

  /** The parked session of namespace `ns` holding `nick` (compared by its lookalike-folded key), if any. */
  parkedHolder(ns: string, nick: string): Session | undefined {
    // Nothing parked is the common case: the key (two confusable skeletons) is not worth making then.
    if (this.parked.size === 0) return undefined;
    const key = nickKey(nick);
    for (const session of this.parked.keys())
      if (session.ns?.name === ns && nickKey(session.nick) === key) return session;
    return undefined;
  }

  /** A parked session leaves for good: its rooms are told, its nick is freed, its namespace may go. */
  depart(session: Session): Promise<void> {
    if (!this.parked.delete(session)) return Promise.resolve();
    let released: Promise<void>;
    try {
      released = session.depart();
    } catch (error) {
      this.options.onError?.(error, 'depart');
      released = Promise.resolve();
    }
    this.forgetNamespace(session.ns);
    return released;
  }

  /** Gives a session its (new) identity, and so its expiry. */
  identify(session: Session, identity: Identity): void {
    session.identity = identity;
    if (identity.expiresAt === undefined) this.expiries.delete(session);
    else this.expiries.set(session, identity.expiresAt);
  }

  /**
   * Ends with `bye token_expired` every session whose identity expired at `now` (ms) without a refresh.
   * The hub has no timer: the server calls this from one timer for all sessions. Returns how many ended.
   */
  expire(now: number): number {
    const due = this.expiries.due(now);
    for (const session of due) {
      try {
        session.bye('token_expired', 'Your token expired without a refresh.');
      } catch (error) {
        this.options.onError?.(error, 'expire');
      }
    }
    return due.length;
  }

  /** A session sent its hello: it no longer has a hello deadline. */
  greeted(session: Session): void {
    this.greeting.delete(session);
  }

  /**
   * Ends with `bye hello_timeout` every session that opened `helloTimeoutMs` or more before `now` (ms)
   * without a hello. The hub has no timer: the server calls this from one timer for all connections; since
   * every session waits the same time, only the oldest are looked at. Returns how many ended.
   */
  expireHellos(now: number): number {
    const timeout = this.options.limits.helloTimeoutMs ?? 0;
    const due = dueFront(this.greeting, (at) => at + timeout <= now);
    for (const session of due) {
      this.greeting.delete(session);
      try {
        session.bye('hello_timeout', `No hello within ${timeout} ms of connecting.`);
      } catch (error) {
        this.options.onError?.(error, 'hello timeout');
      }
    }
    return due.length;
  }

  /** How many namespaces, rooms (with members here) and idle rooms (history kept) and sessions this node holds now. */
  stats(): { namespaces: number; rooms: number; idleRooms: number; sessions: number } {
    return {
      namespaces: this.namespaces.size,
      rooms: this.liveRooms,
      idleRooms: this.idle.size,
      sessions: this.sessions.size,
    };
  }

  /** The namespace of that name, created on first use; throws `server_full` past `maxNamespaces`. */
  namespace(name: string): Namespace {
    let ns = this.namespaces.get(name);
    if (!ns) {
      if (this.namespaces.size >= this.limit('maxNamespaces'))
        throw new ProtocolError(
          'server_full',
          'This server holds as many namespaces as it allows; try again later.',
        );
      ns = { name, rooms: new Map(), sessions: new Map() };
      this.namespaces.set(name, ns);
    }
    return ns;
  }

  /**
   * Adds a local member to a room, creating the room and its feed on this node; throws `room_full` when
   * the room has `maxMembersPerRoom` here, `server_full` when the process holds `maxRooms` busy rooms.
   */
  addMember(ns: Namespace, name: string, session: Session): Room {
    let room = ns.rooms.get(name);
    if (!room) {
      const key = roomKey(ns.name, name);
      if (!this.idle.delete(key)) this.makeRoomFor();
      room = this.newRoom(ns.name, name);
      ns.rooms.set(name, room);
      this.liveRooms++;
      this.options.log.keep?.(ns.name, name);
    } else if (room.members.size >= this.limit('maxMembersPerRoom')) {
      throw roomFull(name);
    }
    room.members.add(session);
    return room;
  }

  /** Removes a local member; a room with no local member goes idle here (its history kept for `roomIdleTtlMs`). */
  removeMember(ns: Namespace, name: string, session: Session): void {
    const room = ns.rooms.get(name);
    if (!room) return;
    room.members.delete(session);
    if (room.members.size === 0) {
      room.feed.stop();
      ns.rooms.delete(name);
      this.liveRooms--;
      this.idled(ns.name, name);
    }
  }

  /**
   * Frees every room idle for `roomIdleTtlMs` or more at `now` (ms): the store forgets its history. The hub
   * has no timer: the server calls this from one. Returns how many were freed.
   */
  sweepIdle(now: number): number {
    const ttl = this.limit('roomIdleTtlMs');
    if (ttl <= 0) return 0;
    const due = dueFront(this.idle, ({ since }) => since + ttl <= now);
    for (const key of due) {
      const { ns, room } = this.idle.get(key) as { ns: string; room: string };
      this.idle.delete(key);
      this.options.log.forget?.(ns, room);
    }
    return due.length;
  }

  /** The value of an optional structure limit, or its default. */
  limit(name: keyof typeof STRUCTURE_DEFAULTS): number {
    return this.options.limits[name] ?? STRUCTURE_DEFAULTS[name];
  }

  /** Marks a room (without members here) idle as of now, behind every room idle longer. */
  private idled(ns: string, room: string): void {
    const key = roomKey(ns, room);
    this.idle.delete(key);
    this.idle.set(key, { ns, room, since: this.options.clock() });
  }

  /** Makes space for one more room under `maxRooms`: frees the longest-idle one, or throws `server_full` when all are busy. */
  private makeRoomFor(): void {
    if (this.liveRooms + this.idle.size < this.limit('maxRooms')) return;
    const oldest = this.idle.entries().next();
    if (oldest.done)
      throw new ProtocolError(
        'server_full',
        'This server holds as many rooms as it allows; try again later.',
      );
    const [oldKey, { ns, room }] = oldest.value;
    this.idle.delete(oldKey);
    this.options.log.forget?.(ns, room);
  }

  /** Nicks of a room's members on every node. */
  members(ns: Namespace, name: string): Promise<string[]> {
    return this.options.presence.members(ns.name, name);
  }

  /** Tells a room's members on every node that `nick` of `session` joined or left it; `members` is the count after. */
  announce(
    ns: string,
    room: string,
    event: 'join' | 'leave',
    nick: string,
    session: string,
    members: number,
    renamed?: string,
  ): void {
    this.options.bus.publish({
      kind: 'presence',
      ns,
      room,
      event,
      nick,
      session,
      members,
      ...(renamed === undefined ? {} : { renamed }),
    });
  }

  /** Asks the node that holds `session` (another one) to close it: it was resumed here. */
  kick(ns: string, session: string, node: string): void {
    this.options.bus.publish({ kind: 'kick', ns, session, node, by: this.nodeId });
  }

  /** Queues a session for the end-of-turn flush. */
  markDirty(session: Session): void {
    if (session.dirty) return;
    session.dirty = true;
    this.dirty.push(session);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      this.options.defer(() => this.flush());
    }
  }

  /** Writes every queued frame: one write (or batch) per connection per turn. */
  flush(): void {
    this.flushScheduled = false;
    const dirty = this.dirty;
    this.dirty = [];
    const memo = new PackMemo();
    for (const session of dirty) {
      try {
        session.flush(memo);
      } catch (error) {
        // One broken wire must not stop the others' flush, nor escape into the event loop.
        this.options.onError?.(error, 'flush');
        session.closed();
        try {
          session.conn.close();
        } catch {
          // Already broken; the session is gone either way.
        }
      }
    }
  }

  /** Forgets a closed session, and its namespace once nothing is left in it. */
  forget(session: Session): void {
    this.sessions.delete(session);
    this.expiries.delete(session);
    this.greeting.delete(session);
    this.forgetNamespace(session.ns);
  }

  private forgetNamespace(ns: Namespace | undefined): void {
    if (ns && ns.sessions.size === 0 && ns.rooms.size === 0 && this.namespaces.get(ns.name) === ns) {
      this.namespaces.delete(ns.name);
    }
  }

  /** Rooms with members on this node, with their cluster-wide member counts and latest seq. */
  async rooms(nsName = '/'): Promise<RoomSummary[]> {
    const ns = this.namespaces.get(nsName);
    if (!ns) return [];
    const names = [...ns.rooms.keys()];
    const { log, presence } = this.options;
    return Promise.all(
      names.map(async (room) => {
        const [info, members] = await Promise.all([log.info(nsName, room), presence.count(nsName, room)]);
        return { room, members, seq: info.seq };
      }),
    );
  }

  /** Sends a custom event to a room's members on every node from outside any connection; throws ProtocolError on bad input. */
  relay(nsName: string, room: string, event: string, data: unknown, from: string): void {
    if (!isValidRoom(room)) throw new ProtocolError('invalid_room');
    if (event.length < 1 || event.length > LIMITS.eventMax)
      throw new ProtocolError('bad_frame', `Event names are 1 to ${LIMITS.eventMax} characters.`);
    if (tooDeep(data, MAX_DATA_DEPTH))
      throw new ProtocolError('bad_frame', `Event data nests deeper than ${MAX_DATA_DEPTH} levels.`);
    const nick = normalizeNick(from);
    if (nick === undefined) throw new ProtocolError('invalid_nick');
    // No session sent it: every member gets it.
    this.options.bus.publish({
      kind: 'event',
      ns: nsName,
      room,
      event,
      data: data ?? null,
      from: nick,
      session: '',
    });
  }

  /** Stores and broadcasts a message from outside any connection (REST, bots); throws ProtocolError on bad input. */
  async post(nsName: string, room: string, from: string, text: string): Promise<StoredMessage> {
    if (!isValidRoom(room)) throw new ProtocolError('invalid_room');
    const nick = normalizeNick(from);
    if (nick === undefined) throw new ProtocolError('invalid_nick');
    if (!isValidText(text)) throw new ProtocolError('invalid_text');
    if (!this.namespaces.get(nsName)?.rooms.has(room)) {
      // A room written without members here is held (and counted) as an idle one, freed like the others.
      if (!this.idle.has(roomKey(nsName, room))) this.makeRoomFor();
      this.idled(nsName, room);
    }
    const { message } = await this.options.log
      .append(nsName, room, {
        room,
        msgId: this.options.newId('m'),
        from: nick,
        text,
        ts: this.options.clock(),
        session: 'api',
        bot: true,
      })
      .catch((error: unknown) => {
        this.options.onError?.(error, 'history append');
        throw new ProtocolError('history_unavailable');
      });
    return message;
  }

  private newRoom(nsName: string, name: string): Room {
    const members = new Set<Session>();
    const feed = new RoomFeed(nsName, name, this.options.log, {
      deliver: (message) => {
        // Encoded once per node, whatever the number of members.
        const encoded = encode({ type: 'message', ...toWire(message) });
        for (const member of members) member.deliver(message, encoded);
      },
      skipped: (from, to) => {
        const encoded = encode({ type: 'gap', room: name, reason: 'trimmed', from, to });
        for (const member of members) {
          member.send(encoded);
          this.options.observer?.gap('trimmed');
        }
      },
      reset: (epoch) => {
        const encoded = encode({ type: 'gap', room: name, reason: 'epoch', epoch });
        for (const member of members) {
          member.epochChanged(name, epoch, encoded);
          this.options.observer?.gap('epoch');
        }
      },
      error: (error, context) => this.options.onError?.(error, context),
    });
    return { name, members, feed };
  }

  /** A published message: handed to its room's feed on this node, which puts it in order for the members. */
  private onMessage(nsName: string, message: StoredMessage, epoch?: string): void {
    try {
      this.namespaces.get(nsName)?.rooms.get(message.room)?.feed.receive(message, epoch);
    } catch (error) {
      // A member's broken wire must not reach the log's subscriber (another node's append, a Redis reader).
      this.options.onError?.(error, 'deliver');
    }
  }

  /** Members whose node died: presence dropped them; this node is the one that tells their rooms. */
  private departed(gone: readonly Departure[]): void {
    for (const { ns, room, session, nick } of gone) {
      this.options.presence.count(ns, room).then(
        (members) => this.announce(ns, room, 'leave', nick, session, members),
        (error: unknown) => this.options.onError?.(error, 'departure'),
      );
    }
  }

  private onBus(event: BusEvent): void {
    const ns = this.namespaces.get(event.ns);
    if (!ns) return;
    if (event.kind === 'kick') {
      if (event.node === this.nodeId) ns.sessions.get(event.session)?.takenOver();
      return;
    }
    const room = ns.rooms.get(event.room);
    if (!room) return;
    const encoded =
      event.kind === 'presence'
        ? encode({
            type: 'presence',
            room: event.room,
            event: event.event,
            nick: event.nick,
            members: event.members,
            ...(event.renamed === undefined ? {} : { renamed: event.renamed }),
          })
        : encode({
            type: 'event',
            room: event.room,
            event: event.event,
            data: event.data ?? null,
            from: event.from,
          });
    for (const member of room.members) if (member.id !== event.session) member.send(encoded);
  }
}

/** The idle map's key of a room. */
function roomKey(ns: string, room: string): string {
  return `${ns}\u0000${room}`;
}

/** The refusal of a join into a room at `maxMembersPerRoom`. */
export function roomFull(room: string): ProtocolError {
  return new ProtocolError('room_full', `Room "${room}" has as many members as it allows.`);
}
