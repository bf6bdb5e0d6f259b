import { randomBytes } from 'node:crypto';
import type { Frame } from '../lineui/render.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import { binaryMessage, findBinary } from './json-data.js';
import { type GetToken, TokenRefresher } from './token-refresh.js';
import { HandshakeRefused, type Wire } from './wire.js';

/** Where a client is: dialing for the first time, chatting, between connections, or done for good. */
export type ClientState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What a client knows of a joined room, for resume: the history's epoch and the last seq seen. */
export interface RoomState {
  epoch: string;
  seq: number;
}

/** What a client tells its owner: state changes, and every server frame that is not a reply (deduplicated). */
export type ClientEvent =
  | { type: 'state'; state: ClientState; reason?: string; delayMs?: number }
  | { type: 'frame'; frame: Frame }
  /** A request's `ack` or `error`, told in the order it arrived among the other frames. */
  | { type: 'reply'; request: Frame; reply: Frame };

/** A request answered with `error`, or dropped because the client closed. */
export class RequestError extends Error {
  override name = 'RequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Options of a ChatClient. */
export interface ChatClientOptions {
  /** Opens a new wire to the server (see `dialer`). */
  dial: () => Promise<Wire>;
  nick?: string;
  /** Namespace to open the session in. @default '/' */
  ns?: string;
  /** Sent in hello, for servers with an authentication hook. */
  token?: string;
  /**
   * Gives a new token: with it the identity is refreshed on the live connection before it expires, a token
   * is fetched before the first hello when `token` is absent, and after `bye token_expired` a new one is
   * fetched before reconnecting.
   */
  getToken?: GetToken;
  /** Reconnect delays; what is left out comes from CHAT_BACKOFF. */
  retry?: Partial<BackoffOptions>;
}

/** The default reconnect schedule: 0.5 s, 1 s, 2 s … capped at 15 s, each up to half shorter at random. */
export const CHAT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 15_000, factor: 2, jitter: 0.5 };

interface Request {
  id: number;
  frame: Frame;
  resolve: (ack: Frame) => void;
  reject: (error: Error) => void;
}

/** bye codes after which reconnecting would only be refused again. */
const FINAL_BYES = new Set(['kicked']);
/** Leaving on purpose, sent before a close so the rooms are told at once (no presence grace). */
const QUIT = JSON.stringify({ type: 'quit' });

/**
 * A protocol v1 client over any wire: requests with ids answered by ack or error, rooms tracked by epoch and
 * last seq, and on a lost connection a reconnect with backoff that resumes every room (missed messages
 * replayed once, duplicates dropped by seq, a `gap` passed on when history no longer reaches back).
 * Requests made while disconnected, or unanswered when the wire dropped, are sent again after the resume;
 * `say` carries a `cid`, so a resent message is stored once.
 */
export class ChatClient {
  state: ClientState = 'connecting';
  session: string | undefined;
  nick: string | undefined;
  transport: string | undefined;
  readonly rooms = new Map<string, RoomState>();
  private wire: Wire | undefined;
  private readonly listeners = new Set<(event: ClientEvent) => void>();
  private readonly inflight = new Map<number, Request>();
  private queue: Request[] = [];
  private nextId = 1;
  private helloId = 0;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private lastBye: string | undefined;
  private readonly cidPrefix = randomBytes(6).toString('base64url');
  private cids = 0;
  private token: string | undefined;
  /** The token is spent (or there is none yet): the next attempt asks getToken first. */
  private needToken: boolean;
  private readonly refresher: TokenRefresher | undefined;

  constructor(private readonly options: ChatClientOptions) {
    this.nick = options.nick;
    this.token = options.token;
    this.needToken = options.token === undefined && options.getToken !== undefined;
    const getToken = options.getToken;
    this.refresher = getToken
      ? new TokenRefresher({
          getToken: async () => {
            this.token = await getToken();
            return this.token;
          },
          refresh: async (token) => {
            const ack = await this.request({ type: 'refresh', token });
            return typeof ack.expiresAt === 'number' ? ack.expiresAt : undefined;
          },
          failed: (error) =>
            this.tell({
              type: 'frame',
              frame: { type: 'error', code: 'token_refresh', message: String(error) },
            }),
        })
      : undefined;
  }

  /** Listens to state changes and server frames; returns the function that stops listening. */
  on(listener: (event: ClientEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts connecting (and reconnecting until `close`); resolves at the first welcome. */
  start(): Promise<void> {
    const opened = new Promise<void>((resolve, reject) => {
      const off = this.on((event) => {
        if (event.type !== 'state') return;
        if (event.state === 'open') resolve();
        else if (event.state === 'closed') reject(new RequestError('closed', event.reason ?? 'closed'));
        else return;
        off();
      });
    });
    void this.connect();
    return opened;
  }

  /** Sends a request and resolves with its ack; rejects with RequestError on `error`, or `binary_data` first. */
  request(frame: Frame): Promise<Frame> {
    if (this.state === 'closed') return Promise.reject(new RequestError('closed', 'The client is closed.'));
    const binary = frame.type === 'emit' ? findBinary(frame.data) : undefined;
    if (binary) return Promise.reject(new RequestError('binary_data', binaryMessage(binary)));
    return new Promise((resolve, reject) => {
      const request = { id: this.nextId++, frame, resolve, reject };
      if (this.state === 'open') this.transmit(request);
      else this.queue.push(request);
    });
  }

  /** Joins a room; resolves with the ack (members, epoch, seq, recent history). */
  join(room: string): Promise<Frame> {
    return this.request({ type: 'join', room });
  }

  /**
   * Relays a custom event to the other members of a room; `data` must be JSON (binary is refused). Resolves
   * with the server's reply when a server handler answers that event (docs/server-api.md), else undefined.
   */
  async emit(room: string, event: string, data: unknown = null): Promise<unknown> {
    const ack = await this.request({ type: 'emit', room, event, data });
    return ack.reply;
  }

  /** Leaves a room. */
  async leave(room: string): Promise<void> {
    await this.request({ type: 'leave', room });
  }

  /** Says a line in a room; resolves with the ack (seq, msgId). Safe to resend: it carries a cid. */
  say(room: string, text: string): Promise<Frame> {
    return this.request({ type: 'say', room, text, cid: `${this.cidPrefix}.${++this.cids}` });
  }

  /** Changes nick; resolves with the nick granted. */
  async setNick(nick: string): Promise<string> {
    const ack = await this.request({ type: 'nick', nick });
    return String(ack.nick);
  }

  /** The members of a room. */
  async who(room: string): Promise<string[]> {
    const ack = await this.request({ type: 'who', room });
    return Array.isArray(ack.members) ? ack.members.map(String) : [];
  }

  /** Closes for good: no reconnect, pending requests rejected. */
  close(reason = 'closed by the client'): void {
    if (this.state === 'closed') return;
    clearTimeout(this.timer);
    this.refresher?.stop();
    const wire = this.wire;
    this.wire = undefined;
    const open = this.state === 'open';
    this.setState('closed', reason);
    // Leaving on purpose: the server tells the rooms now instead of keeping the session for a resume.
    if (open) wire?.send(QUIT);
    wire?.close();
    const dropped = [...this.inflight.values(), ...this.queue];
    this.inflight.clear();
    this.queue = [];
    for (const request of dropped)
      request.reject(new RequestError('closed', `The client closed: ${reason}.`));
  }

  private async connect(): Promise<void> {
    let wire: Wire;
    try {
      if (this.needToken && this.options.getToken) {
        this.token = await this.options.getToken();
        this.needToken = false;
      }
      wire = await this.options.dial();
    } catch (error) {
      // A 403 (a foreign Origin) is refused again whenever it comes; 429 and 503 pass with the backoff.
      if (error instanceof HandshakeRefused && error.code === 'forbidden_origin') {
        this.close(error.message);
        return;
      }
      this.retry(error instanceof Error ? error.message : String(error));
      return;
    }
    if (this.state === 'closed') {
      wire.close();
      return;
    }
    this.wire = wire;
    this.lastBye = undefined;
    wire.onText((text) => this.onText(text));
    wire.onClose(() => this.onWireClosed(wire));
    this.helloId = this.nextId++;
    const rooms = Object.fromEntries(this.rooms);
    wire.send(
      JSON.stringify({
        type: 'hello',
        v: 1,
        id: this.helloId,
        caps: ['batch', 'pages'],
        ...(this.nick === undefined ? {} : { nick: this.nick }),
        ...(this.options.ns === undefined ? {} : { ns: this.options.ns }),
        ...(this.token === undefined ? {} : { token: this.token }),
        ...(this.session === undefined ? {} : { resume: { session: this.session, rooms } }),
      }),
    );
  }

  private onWireClosed(wire: Wire): void {
    if (this.wire !== wire) return;
    this.wire = undefined;
    this.refresher?.stop();
    if (this.state === 'closed') return;
    // Unanswered requests go out again after the resume, in their order, before newer ones.
    this.queue = [...[...this.inflight.values()].sort((a, b) => a.id - b.id), ...this.queue];
    this.inflight.clear();
    if (this.lastBye !== undefined && FINAL_BYES.has(this.lastBye)) {
      this.close(`the server closed the connection (${this.lastBye})`);
      return;
    }
    this.retry(this.lastBye === undefined ? 'connection lost' : `server said bye (${this.lastBye})`);
  }

  private retry(reason: string): void {
    if (this.state === 'closed') return;
    const delayMs = backoffDelay(this.attempt++, { ...CHAT_BACKOFF, ...this.options.retry });
    this.setState(this.session === undefined ? 'connecting' : 'reconnecting', reason, delayMs);
    this.timer = setTimeout(() => void this.connect(), delayMs);
  }

  private onText(text: string): void {
    let frame: Frame;
    try {
      frame = JSON.parse(text) as Frame;
    } catch {
      return;
    }
    if (frame.type === 'batch' && Array.isArray(frame.frames)) {
      for (const inner of frame.frames as Frame[]) this.handle(inner);
    } else {
      this.handle(frame);
    }
  }

  private handle(frame: Frame): void {
    const id = typeof frame.id === 'number' ? frame.id : undefined;
    if ((frame.type === 'ack' || frame.type === 'error') && id !== undefined) {
      if (id === this.helloId) {
        this.helloAnswered(frame);
        return;
      }
      const request = this.inflight.get(id);
      if (request) {
        this.inflight.delete(id);
        if (frame.type === 'ack') this.acked(request.frame, frame);
        this.tell({ type: 'reply', request: request.frame, reply: frame });
        if (frame.type === 'ack') request.resolve(frame);
        else request.reject(new RequestError(String(frame.code), String(frame.message)));
        return;
      }
    }
    if (!this.track(frame)) return;
    this.tell({ type: 'frame', frame });
  }

  /** Keeps rooms and nick in step with acks, before any later frame is handled. */
  private acked(request: Frame, ack: Frame): void {
    const room = String(request.room);
    if (request.type === 'join') {
      const known = this.rooms.get(room);
      if (!known || known.epoch !== ack.epoch)
        this.rooms.set(room, { epoch: String(ack.epoch), seq: Number(ack.seq) });
    } else if (request.type === 'leave') {
      this.rooms.delete(room);
    } else if (request.type === 'nick') {
      this.nick = String(ack.nick);
    }
  }

  /** Updates room state from a frame; false when it is a duplicate to drop. */
  private track(frame: Frame): boolean {
    const room = typeof frame.room === 'string' ? this.rooms.get(frame.room) : undefined;
    switch (frame.type) {
      case 'welcome':
        this.refresher?.schedule(typeof frame.expiresAt === 'number' ? frame.expiresAt : undefined);
        this.session = String(frame.session);
        this.nick = String(frame.nick);
        this.transport = String(frame.transport);
        return true;
      case 'transport':
        this.transport = String(frame.transport);
        return true;
      case 'message': {
        const seq = Number(frame.seq);
        if (room) {
          if (seq <= room.seq) return false;
          room.seq = seq;
        }
        return true;
      }
      case 'gap':
        // A new history numbers from 1 again: everything it replays is new to us.
        if (room && frame.reason === 'epoch') {
          room.epoch = String(frame.epoch);
          room.seq = 0;
        }
        return true;
      case 'resumed':
        for (const [name, info] of Object.entries((frame.rooms ?? {}) as Record<string, RoomState>)) {
          const state = this.rooms.get(name);
          if (state) {
            state.epoch = info.epoch;
            state.seq = Math.max(state.seq, info.seq);
            if ((info as { more?: boolean }).more) this.pull(name, info.seq);
          }
        }
        return true;
      case 'bye':
        this.lastBye = String(frame.code);
        if (this.lastBye === 'token_expired' && this.options.getToken) {
          this.needToken = true;
          this.attempt = 0;
        }
        return true;
      default:
        return true;
    }
  }

  /**
   * Pulls the rest of a paged replay (`history {after}`), a page per round trip so the server's send
   * buffer never fills; each message goes through the same path as a live one (dropped if seen).
   */
  private pull(room: string, after: number): void {
    this.request({ type: 'history', room, after })
      .then((ack) => {
        const messages = Array.isArray(ack.messages) ? (ack.messages as Frame[]) : [];
        for (const message of messages) this.handle({ ...message, type: 'message', room });
        const last = Number(messages.at(-1)?.seq ?? after);
        if (ack.more === true && this.rooms.has(room)) this.pull(room, last);
      })
      // A lost connection resumes from the last seq seen, which starts a new pull; nothing to do here.
      .catch(() => undefined);
  }

  private helloAnswered(frame: Frame): void {
    if (frame.type === 'error') {
      // A spent token is no reason to give up when a new one can be had: the bye that follows reconnects.
      if (frame.code === 'token_expired' && this.options.getToken) return;
      this.close(`hello refused: ${String(frame.code)}: ${String(frame.message)}`);
      return;
    }
    this.attempt = 0;
    this.setState('open');
    const queued = this.queue;
    this.queue = [];
    for (const request of queued) this.transmit(request);
  }

  private transmit(request: Request): void {
    this.inflight.set(request.id, request);
    this.wire?.send(JSON.stringify({ ...request.frame, id: request.id }));
  }

  private setState(state: ClientState, reason?: string, delayMs?: number): void {
    this.state = state;
    this.tell({
      type: 'state',
      state,
      ...(reason === undefined ? {} : { reason }),
      ...(delayMs === undefined ? {} : { delayMs }),
    });
  }

  private tell(event: ClientEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }
}
