import type { Bus, BusEvent } from '../bus/bus.js';
import type { History, StoredMessage } from '../history/history.js';
import type { Authenticate, Identity } from '../ports/admission.js';
import type { Observer } from '../ports/observer.js';
import { encode } from '../protocol/encode.js';
import { ProtocolError } from '../protocol/errors.js';
import { isValidRoom, isValidText, normalizeNick } from '../protocol/names.js';
import { ExpiryQueue } from './auth-state.js';
import type { Connection, ConnectionInfo } from './connection.js';
import { NickRegistry } from './nicks.js';
import { PackMemo } from './outbox.js';
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
}

/** Everything the hub needs from outside; all I/O and time come in here. */
export interface HubOptions {
  history: History;
  bus: Bus;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** Runs `fn` once, after the I/O of the current event-loop turn (setImmediate in production). */
  defer: (fn: () => void) => void;
  /** A new unguessable id with the given prefix (`s` sessions, `m` messages). */
  newId: (prefix: 's' | 'm') => string;
  limits: HubLimits;
  /** Origins allowed to connect; empty allows every origin (and connections without one always pass). */
  allowedOrigins?: readonly string[];
  /** Decides who a hello (or a refresh) is; when absent every hello may open a session, without identity. */
  authenticate?: Authenticate;
  /** Where errors, refusals, resumes, gaps, slow consumers and delivery latencies are reported. @default NO_OBSERVER */
  observer?: Observer;
  /** Told about failures that are the server's fault (handler bugs, backend errors). */
  onError?: (error: unknown, context: string) => void;
}

/** The capabilities this server can grant (PROTOCOL.md, "Capabilities"). */
export const SUPPORTED_CAPS: readonly string[] = ['batch', 'pages'];

/** A room as this node sees it: its local members. */
export interface Room {
  readonly name: string;
  readonly members: Set<Session>;
}

/** A namespace: its rooms, its nicks, its live sessions by id. */
export interface Namespace {
  readonly name: string;
  readonly rooms: Map<string, Room>;
  readonly nicks: NickRegistry;
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
 * a socket or starts a timer; transports feed it connections and frames, History and Bus do the I/O.
 */
export class Hub {
  readonly sessions = new Set<Session>();
  private readonly namespaces = new Map<string, Namespace>();
  private dirty: Session[] = [];
  private flushScheduled = false;
  /** Sessions whose identity has an expiry, by that expiry; `expire(now)` ends the due ones. */
  private readonly expiries = new ExpiryQueue<Session>();

  constructor(readonly options: HubOptions) {
    options.bus.subscribe((event) => this.onBus(event));
  }

  /** Opens a session for a new connection; the transport feeds it frames and tells it when the wire closes. */
  open(conn: Connection, info: ConnectionInfo = {}): Session {
    const session = new Session(this, conn);
    session.handshake = info.handshake;
    this.sessions.add(session);
    const allowed = this.options.allowedOrigins ?? [];
    if (info.origin !== undefined && allowed.length > 0 && !allowed.includes(info.origin)) {
      this.options.observer?.refused('forbidden_origin', conn.transport);
      session.refuse(new ProtocolError('forbidden_origin', `Origin ${info.origin} is not allowed.`));
    }
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
    this.flush();
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

  /** How many namespaces, rooms and sessions this node holds now. */
  stats(): { namespaces: number; rooms: number; sessions: number } {
    let rooms = 0;
    for (const ns of this.namespaces.values()) rooms += ns.rooms.size;
    return { namespaces: this.namespaces.size, rooms, sessions: this.sessions.size };
  }

  /** The namespace of that name, created on first use. */
  namespace(name: string): Namespace {
    let ns = this.namespaces.get(name);
    if (!ns) {
      ns = { name, rooms: new Map(), nicks: new NickRegistry(), sessions: new Map() };
      this.namespaces.set(name, ns);
    }
    return ns;
  }

  /** Adds a local member to a room, creating the room. */
  addMember(ns: Namespace, name: string, session: Session): Room {
    let room = ns.rooms.get(name);
    if (!room) {
      room = { name, members: new Set() };
      ns.rooms.set(name, room);
    }
    room.members.add(session);
    return room;
  }

  /** Removes a local member; an empty room is forgotten (its history stays). */
  removeMember(ns: Namespace, name: string, session: Session): void {
    const room = ns.rooms.get(name);
    if (!room) return;
    room.members.delete(session);
    if (room.members.size === 0) ns.rooms.delete(name);
  }

  /** Nicks of a room's members. */
  members(ns: Namespace, name: string): string[] {
    const room = ns.rooms.get(name);
    return room ? [...room.members].map((s) => s.nick) : [];
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
    const ns = session.ns;
    if (ns && ns.sessions.size === 0 && ns.rooms.size === 0 && this.namespaces.get(ns.name) === ns) {
      this.namespaces.delete(ns.name);
    }
  }

  /** Local rooms of a namespace with member counts and latest seq. */
  async rooms(nsName = '/'): Promise<RoomSummary[]> {
    const ns = this.namespaces.get(nsName);
    if (!ns) return [];
    const rooms = [...ns.rooms.values()];
    const infos = await Promise.all(rooms.map((r) => this.options.history.info(nsName, r.name)));
    return rooms.map((r, i) => ({ room: r.name, members: r.members.size, seq: infos[i]?.seq ?? 0 }));
  }

  /** Stores and broadcasts a message from outside any connection (REST, bots); throws ProtocolError on bad input. */
  async post(nsName: string, room: string, from: string, text: string): Promise<StoredMessage> {
    if (!isValidRoom(room)) throw new ProtocolError('invalid_room');
    const nick = normalizeNick(from);
    if (nick === undefined) throw new ProtocolError('invalid_nick');
    if (!isValidText(text)) throw new ProtocolError('invalid_text');
    const { message } = await this.options.history
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
    this.options.bus.publish({ kind: 'message', ns: nsName, message });
    return message;
  }

  private onBus(event: BusEvent): void {
    const ns = this.namespaces.get(event.ns);
    if (!ns) return;
    if (event.kind === 'message') {
      const room = ns.rooms.get(event.message.room);
      if (!room) return;
      const encoded = encode({ type: 'message', ...toWire(event.message) });
      for (const member of room.members) member.deliver(event.message, encoded);
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
            members: room.members.size,
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
