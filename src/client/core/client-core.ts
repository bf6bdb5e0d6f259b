import { type BackoffOptions, backoffDelay } from '../backoff.js';
import { binaryMessage, findBinary } from '../json-data.js';
import { type GetToken, TokenRefresher } from '../token-refresh.js';
import { RoomCursors } from './cursors.js';
import { Emitter } from './emitter.js';
import type { Link, LinkEvents } from './link.js';
import { Liveness } from './liveness.js';
import { type Outgoing, PendingSends } from './pending.js';
import {
  type AckFrame,
  type ByeFrame,
  type ChatMessage,
  CLIENT_CAPS,
  decodeFrames,
  type ErrorFrame,
  type MessageFrame,
  type ServerFrame,
  type WelcomeFrame,
} from './protocol.js';
import { type Request, type RequestFrame, Requests } from './requests.js';
import {
  type ChatApi,
  ClientError,
  type ClientEvents,
  type ConnectionState,
  type CoreOptions,
  type JoinResult,
  type OutgoingUpdate,
  type SayResult,
} from './types.js';

const TEXT_MAX = 4000;

/** The default reconnect schedule: 0.3 s, 0.6 s, 1.2 s … capped at 10 s, each up to half shorter at random. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 300, maxMs: 10_000, factor: 2, jitter: 0.5 };

/** Requests that mean the same when sent twice, so they wait for a connection and are resent after a drop. */
const SAFE_TO_REPEAT = new Set(['join', 'leave', 'nick', 'who', 'history']);

/** Requests with a method of their own, which `request` refuses. */
const OWN_METHOD = new Set(['join', 'leave', 'say']);

type PendingRequest = Request<AckFrame, ClientError>;

/**
 * The protocol v1 client, written once for every environment: requests with ids answered by ack or error,
 * rooms tracked by epoch and last seq (duplicates and rooms not followed dropped), the hello with resume,
 * the queue of messages typed while away (resent with their cid, so stored once), paged replay, liveness
 * pings, token refresh, and reconnect with backoff. How links are made, and which transport comes next
 * when one fails, is the subclass's: the page negotiates between WebSocket, SSE and polling, Node dials a URL.
 */
export abstract class ClientCore<T extends string, L extends Link<T>> implements ChatApi<T> {
  state: ConnectionState = 'connecting';
  transport: T | undefined;
  session: string | undefined;
  nick: string | undefined;

  protected readonly events = new Emitter<ClientEvents<T>>();
  protected link: L | undefined;
  /** The last welcome; until the first, an attempt is a connect (a reload's resumed session too). */
  protected welcome: WelcomeFrame | undefined;
  /** Welcomed and the hello acked: resume finished, requests may go out. */
  protected ready = false;
  protected attempt = 0;
  protected reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  protected closed = false;
  /** The environment says there is no network: no attempt is made until it is back. */
  protected offline = false;
  /** The delay of the next reconnect instead of the backoff's (0 after a failed liveness check). */
  protected backoffOverride: number | undefined;
  protected readonly cursors = new RoomCursors();
  protected readonly liveness: Liveness;
  private readonly requests = new Requests<AckFrame, ClientError>();
  private readonly joined = new Set<string>();
  private readonly pending: PendingSends;
  /** The say frames in flight, by request id. */
  private readonly sayIds = new Map<number, RequestFrame & { cid: string }>();
  private readonly sayWaiters = new Map<
    string,
    { resolve: (r: SayResult) => void; reject: (e: ClientError) => void }
  >();
  private readonly backoff: BackoffOptions;
  protected readonly random: () => number;
  /** The token hello carries: the option's, then each one getToken gave. */
  private token: string | undefined;
  /** Set when the token is known to be spent: the next attempt asks getToken first. */
  private needToken: boolean;
  private readonly refresher: TokenRefresher | undefined;
  /** The bye the server sent on the current link, which says why it closes. */
  private bye: string | undefined;

  constructor(private readonly core: CoreOptions) {
    this.random = core.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...core.backoff };
    this.nick = core.nick;
    this.token = core.token;
    this.needToken = core.token === undefined && core.getToken !== undefined;
    this.liveness = new Liveness({
      deadlineMs: core.livenessTimeoutMs ?? 1500,
      intervalMs: core.heartbeatMs ?? 25_000,
      ping: () => this.ping(),
      dead: (why) => this.linkDead(why),
    });
    const getToken = core.getToken;
    this.refresher = getToken
      ? new TokenRefresher({
          getToken: async () => {
            const token = await getToken();
            this.token = token;
            return token;
          },
          refresh: async (token) => {
            const ack = await this.ask({ type: 'refresh', token }, false);
            return typeof ack.expiresAt === 'number' ? ack.expiresAt : undefined;
          },
          failed: (error) =>
            this.events.emit(
              'error',
              error instanceof ClientError ? error : new ClientError('token_refresh', String(error)),
            ),
          clock: () => this.clock(),
        })
      : undefined;
    this.pending = new PendingSends(
      () => `c${this.clock().toString(36)}${this.random().toString(36).slice(2, 10)}`,
    );
  }

  // What a subclass provides.

  /** Starts a connection attempt: makes the first link of the attempt with `startLink`. */
  protected abstract beginAttempt(): void;

  /** Whether a `transport` frame names one of this client's transports. */
  protected abstract isTransport(name: string): name is T;

  /** A link failed before its welcome (not refused): start the next one and return true, or false to back off. */
  protected fallBack(_link: L): boolean {
    return false;
  }

  /** Bookkeeping hooks, for diagnostics and demotions. */
  protected linkWelcomed(_link: L): void {}
  protected linkFailed(_link: L): void {}
  protected attemptFailed(): void {}
  protected linkLost(_link: L): void {}
  protected linkDied(_link: L, _why: string): void {}
  protected measured(_kind: T, _rttMs: number): void {}
  /** The client is closing for good: release what the environment holds. */
  protected closing(): void {}

  // The API.

  get rooms(): string[] {
    return [...this.joined];
  }

  get outgoing(): OutgoingUpdate[] {
    return this.pending.list();
  }

  on<K extends keyof ClientEvents<T>>(event: K, handler: (payload: ClientEvents<T>[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  /** Resolves once the state is `open` (at once when it is); rejects when the client closes first. */
  opened(): Promise<void> {
    if (this.state === 'open') return Promise.resolve();
    if (this.closed) return Promise.reject(new ClientError('closed', 'The client was closed.'));
    return new Promise((resolve, reject) => {
      const off = this.on('state', (state) => {
        if (state === 'open') resolve();
        else if (state === 'closed') reject(new ClientError('closed', 'The client was closed.'));
        else return;
        off();
      });
    });
  }

  checkNow(why: string): void {
    if (this.closed || this.offline) return;
    if (this.link && this.ready) {
      this.liveness.check(why);
      return;
    }
    if (this.reconnectTimer !== undefined) {
      // Waiting out a backoff while the page slept: the network may well be back, try at once.
      this.attempt = 0;
      this.connectNow();
    }
  }

  async join(room: string): Promise<JoinResult> {
    this.joined.add(room);
    const ack = await this.ask({ type: 'join', room }, true);
    return {
      room,
      members: (ack.members as string[] | undefined) ?? [],
      epoch: String(ack.epoch),
      seq: Number(ack.seq),
      history: (ack.history as ChatMessage[] | undefined) ?? [],
    };
  }

  async leave(room: string): Promise<void> {
    this.joined.delete(room);
    this.cursors.delete(room);
    try {
      await this.ask({ type: 'leave', room }, true);
    } catch (error) {
      // Not in the room (a reconnect already dropped it) is what leaving wanted.
      if (!(error instanceof ClientError && error.code === 'not_in_room')) throw error;
    }
  }

  say(room: string, text: string): Promise<SayResult> {
    if (this.closed) return Promise.reject(new ClientError('closed', 'The client was closed.'));
    if (text.length === 0 || text.length > TEXT_MAX) {
      return Promise.reject(new ClientError('invalid_text', 'Text must be 1 to 4,000 characters.'));
    }
    const entry = this.pending.add(room, text);
    const result = this.waitForSay(entry.cid);
    this.emitOutgoing(entry);
    this.flushSays();
    return result;
  }

  retry(cid: string): Promise<SayResult> {
    const entry = this.pending.retry(cid);
    if (!entry) return Promise.reject(new ClientError('unknown_message', 'No failed message has that cid.'));
    const result = this.waitForSay(cid);
    this.emitOutgoing(entry);
    this.flushSays();
    return result;
  }

  discard(cid: string): void {
    const entry = this.pending.discard(cid);
    if (!entry) return;
    this.emitOutgoing({ ...entry, state: 'discarded' });
    this.settleSay(cid, undefined, new ClientError('discarded', 'The message was discarded.'));
  }

  async emit(room: string, event: string, data?: unknown): Promise<unknown> {
    const ack = await this.ask({ type: 'emit', room, event, data: data ?? null }, false);
    return ack.reply;
  }

  async setNick(nick: string): Promise<string> {
    const ack = await this.ask({ type: 'nick', nick }, true);
    this.updateNick(String(ack.nick));
    return String(ack.nick);
  }

  async who(room: string): Promise<string[]> {
    const ack = await this.ask({ type: 'who', room }, true);
    return (ack.members as string[] | undefined) ?? [];
  }

  async history(room: string, options: { before?: number; limit?: number } = {}): Promise<ChatMessage[]> {
    const ack = await this.ask({ type: 'history', room, ...options }, true);
    return (ack.messages as ChatMessage[] | undefined) ?? [];
  }

  request(frame: RequestFrame): Promise<AckFrame> {
    // These keep the rooms followed and the send queue; sent raw, a resume would not know of them.
    if (OWN_METHOD.has(frame.type)) {
      const message = `Use ${frame.type}() for a ${frame.type} request.`;
      return Promise.reject(new ClientError('use_method', message));
    }
    if (frame.type === 'hello' || frame.type === 'quit') {
      const message = `The client sends ${frame.type} itself (connecting, and on close()).`;
      return Promise.reject(new ClientError('use_method', message));
    }
    return this.ask(frame, SAFE_TO_REPEAT.has(frame.type));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.refresher?.stop();
    this.closing();
    // Leaving on purpose: the others are told now, not after the server's presence grace.
    if (this.link?.welcomed) this.link.quit();
    this.dropLink();
    this.liveness.stop();
    const closed = new ClientError('closed', 'The client was closed.');
    this.requests.failAll(closed);
    for (const cid of [...this.sayWaiters.keys()]) this.settleSay(cid, undefined, closed);
    this.setState('closed');
  }

  // Connection attempts.

  /** Starts a connection attempt now, unless closed or offline (fetching a spent token first). */
  protected connectNow(): void {
    if (this.closed || this.offline) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.needToken && this.core.getToken) {
      this.fetchTokenThenConnect(this.core.getToken);
      return;
    }
    this.setState(this.welcome ? 'reconnecting' : 'connecting');
    this.beginAttempt();
  }

  /** Makes a link with events wired to this client and makes it the current one. */
  protected startLink(make: (events: LinkEvents) => L): void {
    const events: LinkEvents = {
      open: () => this.sendHello(link),
      text: (text) => {
        for (const frame of decodeFrames(text)) {
          if (this.link !== link) return;
          this.liveness.heard();
          this.onFrame(link, frame);
        }
      },
      closed: () => this.onLinkClosed(link),
    };
    const link = make(events);
    this.link = link;
  }

  /** Ends the current link on purpose, without counting it as a failure. */
  protected dropLink(): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    this.liveness.stop();
    link.end();
    if (link.welcomed) this.lostConnection();
  }

  protected scheduleReconnect(reason: string): void {
    if (this.closed || this.offline) return;
    this.setState(this.welcome ? 'reconnecting' : 'connecting');
    const attempt = this.attempt++;
    const delayMs = this.backoffOverride ?? backoffDelay(attempt, this.backoff, this.random);
    this.backoffOverride = undefined;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connectNow(), delayMs);
    this.events.emit('retry', { attempt: attempt + 1, delayMs, reason });
  }

  protected clock(): number {
    return (this.core.clock ?? Date.now)();
  }

  protected setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.events.emit('state', state);
  }

  /** Asks for a token, then connects with it; a failure is told and retried on the backoff. */
  private fetchTokenThenConnect(getToken: GetToken): void {
    this.setState(this.welcome ? 'reconnecting' : 'connecting');
    Promise.resolve()
      .then(getToken)
      .then(
        (token) => {
          this.token = token;
          this.needToken = false;
          this.connectNow();
        },
        (error: unknown) => {
          this.events.emit('error', new ClientError('token_refresh', String(error)));
          this.scheduleReconnect(`no token: ${String(error)}`);
        },
      );
  }

  private sendHello(link: L): void {
    if (this.link !== link) return;
    link.helloId = this.requests.newId();
    const hello: Record<string, unknown> = { type: 'hello', v: 1, id: link.helloId, caps: [...CLIENT_CAPS] };
    if (this.nick !== undefined) hello.nick = this.nick;
    if (this.core.ns !== undefined) hello.ns = this.core.ns;
    if (this.token !== undefined) hello.token = this.token;
    if (this.session) hello.resume = { session: this.session, rooms: this.cursors.resumeRooms() };
    link.send(hello);
  }

  private onLinkClosed(link: L): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.liveness.stop();
    const bye = this.bye;
    this.bye = undefined;
    if (link.welcomed) {
      this.linkLost(link);
      this.lostConnection();
      this.scheduleReconnect(bye === undefined ? 'connection lost' : `server said bye (${bye})`);
      return;
    }
    this.linkFailed(link);
    if (link.refusal) {
      // Refused at the handshake: every transport runs the same admission, so trying another is no help.
      const { code, message, status } = link.refusal;
      this.events.emit('error', new ClientError(code, message));
      this.attemptFailed();
      // 403 (a foreign Origin) is refused again whatever the timing; 429 and 503 pass with time.
      if (status === 403) this.close();
      else this.scheduleReconnect(`refused: ${code}: ${message}`);
      return;
    }
    // Refused for a spent token, not for the transport: get a token and retry, demoting nothing.
    if (!this.needToken && this.fallBack(link)) return;
    // Nothing answered: the server or the network is down, which says nothing against any transport.
    this.attemptFailed();
    this.scheduleReconnect(link.reason ?? 'no answer');
  }

  /** A liveness check found the link dead: cut it and reconnect at once (the session resumes). */
  private linkDead(why: string): void {
    const link = this.link;
    if (!link?.welcomed) return;
    this.linkDied(link, why);
    this.attempt = 0;
    this.backoffOverride = 0;
    link.kill();
  }

  /** An application ping on the open link; resolves with the round-trip time, rejects when it fails. */
  private async ping(): Promise<number> {
    const started = this.clock();
    const kind = this.link?.kind;
    await this.ask({ type: 'ping' }, false);
    const rtt = this.clock() - started;
    if (kind !== undefined) this.measured(kind, rtt);
    return rtt;
  }

  /** Bookkeeping after an established connection is gone: what was in flight waits for the next one. */
  private lostConnection(): void {
    this.ready = false;
    this.refresher?.stop();
    this.requests.dropped(new ClientError('disconnected', 'The connection was lost before the answer came.'));
    this.sayIds.clear();
    const before = new Set(
      this.pending
        .list()
        .filter((e) => e.state === 'sending')
        .map((e) => e.cid),
    );
    this.pending.requeue();
    for (const entry of this.pending.list()) if (before.has(entry.cid)) this.emitOutgoing(entry);
  }

  // Frames.

  private onFrame(link: L, frame: ServerFrame): void {
    if (!link.welcomed) {
      if (frame.type === 'welcome') this.onWelcome(link, frame);
      else if (frame.type === 'bye') this.onBye(frame);
      else if (frame.type === 'error') {
        this.events.emit('error', new ClientError(frame.code, frame.message));
        // The hello itself was refused (a bad namespace): retrying would be refused again, unless only
        // the token was spent and a new one can be had (the bye token_expired that follows does).
        const spent = frame.code === 'token_expired' && this.core.getToken !== undefined;
        if (frame.id !== undefined && frame.id === link.helloId && !spent) this.close();
      }
      return;
    }
    switch (frame.type) {
      case 'ack':
      case 'error':
        this.onReply(link, frame);
        break;
      case 'message':
        this.onMessage(frame);
        break;
      case 'presence':
        if (this.cursors.has(frame.room)) this.events.emit('presence', frame);
        break;
      case 'event':
        if (this.cursors.has(frame.room)) this.events.emit('event', frame);
        break;
      case 'gap':
        this.cursors.gap(frame.room, frame.reason, frame.epoch);
        if (this.cursors.has(frame.room)) this.events.emit('gap', frame);
        break;
      case 'resumed':
        for (const [room, info] of Object.entries(frame.rooms)) {
          this.cursors.resumed(room, info.epoch, info.seq);
          if (info.more) this.pull(room, info.seq);
        }
        this.events.emit('resumed', frame);
        break;
      case 'transport':
        if (this.isTransport(frame.transport)) this.setTransport(frame.transport);
        break;
      case 'bye':
        this.onBye(frame);
        break;
    }
  }

  private onWelcome(link: L, welcome: WelcomeFrame): void {
    link.markWelcomed();
    this.welcome = welcome;
    this.session = welcome.session;
    this.updateNick(welcome.nick);
    this.attempt = 0;
    this.linkWelcomed(link);
    this.setTransport(link.kind);
    this.setState('open');
    this.refresher?.schedule(welcome.expiresAt);
    this.events.emit('welcome', welcome);
  }

  /** The hello was acked: any resume has replayed, so requests and queued messages may go out. */
  private onReady(resumed: boolean): void {
    this.ready = true;
    if (resumed) {
      // Presence changed while away; the member lists are fetched again.
      for (const room of this.cursors.names()) {
        this.ask({ type: 'who', room }, false).then(
          (ack) => this.events.emit('members', { room, members: (ack.members as string[]) ?? [] }),
          () => undefined,
        );
      }
    }
    for (const request of this.requests.takeWaiting()) this.transmit(request);
    this.flushSays();
    // The round trip on the working transport, for diagnostics; then the heartbeat keeps measuring.
    this.ping().catch(() => undefined);
    this.liveness.start();
  }

  private onReply(link: L, frame: AckFrame | ErrorFrame): void {
    const id = frame.id;
    if (id === undefined) {
      if (frame.type === 'error') this.events.emit('error', new ClientError(frame.code, frame.message));
      return;
    }
    if (id === link.helloId) {
      if (frame.type === 'ack') this.onReady(Object.keys(this.cursors.resumeRooms()).length > 0);
      return;
    }
    const say = this.sayIds.get(id);
    if (say !== undefined) {
      this.sayIds.delete(id);
      this.events.emit('reply', { request: say, reply: frame });
      if (frame.type === 'ack') this.confirmSay(say.cid, Number(frame.seq), String(frame.msgId));
      else this.failSay(say.cid, frame);
      return;
    }
    const request = this.requests.answer(id);
    if (!request) return;
    if (request.frame.type === 'join') this.joinAnswered(String(request.frame.room), frame);
    this.events.emit('reply', { request: request.frame, reply: frame });
    if (frame.type === 'ack') request.resolve(frame);
    else request.reject(new ClientError(frame.code, frame.message));
  }

  /** Keeps the rooms in step with a join's answer before any later frame is handled. */
  private joinAnswered(room: string, reply: AckFrame | ErrorFrame): void {
    if (reply.type === 'error') {
      // A refused join (an invalid name, say) leaves no room behind, unless the room was already followed.
      if (!this.cursors.has(room)) this.joined.delete(room);
      return;
    }
    // Left again before the answer came: nothing to follow.
    if (!this.joined.has(room)) return;
    const epoch = String(reply.epoch);
    // A second join of a room already followed must not move its cursor back.
    if (this.cursors.get(room)?.epoch !== epoch) this.cursors.set(room, epoch, Number(reply.seq));
    this.events.emit('members', { room, members: (reply.members as string[] | undefined) ?? [] });
  }

  private onMessage(frame: MessageFrame): void {
    if (!this.cursors.accept(frame.room, frame.seq)) return;
    const { type: _type, ...message } = frame;
    this.events.emit('message', message);
    if (message.cid !== undefined) this.confirmSay(message.cid, message.seq, message.msgId);
  }

  /**
   * Pulls the rest of a paged replay, one `history {after}` page per round trip so the server's send
   * buffer never fills; each message takes the live path (cursors drop what was already seen).
   */
  private pull(room: string, after: number): void {
    this.ask({ type: 'history', room, after }, true).then(
      (ack) => {
        const messages = Array.isArray(ack.messages) ? (ack.messages as Omit<MessageFrame, 'type'>[]) : [];
        for (const message of messages) this.onMessage({ ...message, type: 'message', room });
        const last = messages.at(-1)?.seq ?? after;
        if (ack.more === true && this.cursors.has(room)) this.pull(room, last);
      },
      // A lost connection resumes from the last seq seen, and that resume starts a new pull.
      () => undefined,
    );
  }

  private onBye(frame: ByeFrame): void {
    this.bye = frame.code;
    this.events.emit('bye', frame);
    // Refused or replaced on purpose: reconnecting would only be refused (or replace the other) again.
    if (frame.code === 'kicked') this.close();
    // The identity ran out: the next attempt asks for a token first, and comes at once.
    if (frame.code === 'token_expired' && this.core.getToken) {
      this.needToken = true;
      this.attempt = 0;
      this.backoffOverride = 0;
    }
  }

  // Requests and messages.

  /** Sends a request when ready; else it waits for the connection if `retry` (safe to resend), or fails. */
  private ask(frame: RequestFrame, retry: boolean): Promise<AckFrame> {
    const binary = frame.type === 'emit' ? findBinary(frame.data) : undefined;
    if (binary) return Promise.reject(new ClientError('binary_data', binaryMessage(binary)));
    return new Promise((resolve, reject) => {
      const request = { frame, resolve, reject, retry };
      if (this.closed) reject(new ClientError('closed', 'The client was closed.'));
      else if (this.ready) this.transmit(request);
      else if (retry) this.requests.wait(request);
      else reject(new ClientError('not_connected', 'Not connected; try again when the state is open.'));
    });
  }

  private transmit(request: PendingRequest): void {
    const link = this.link;
    if (link) link.send(this.requests.start(request));
    else this.requests.wait(request);
  }

  private flushSays(): void {
    const link = this.link;
    if (!this.ready || !link) return;
    for (const entry of this.pending.takeQueued()) {
      const id = this.requests.newId();
      const frame = { type: 'say', room: entry.room, text: entry.text, cid: entry.cid };
      this.sayIds.set(id, frame);
      link.send({ ...frame, id });
      this.emitOutgoing(entry);
    }
  }

  private waitForSay(cid: string): Promise<SayResult> {
    return new Promise((resolve, reject) => this.sayWaiters.set(cid, { resolve, reject }));
  }

  private confirmSay(cid: string, seq: number, msgId: string): void {
    const entry = this.pending.confirm(cid);
    if (!entry) return;
    this.emitOutgoing({ ...entry, state: 'sent', seq, msgId });
    this.settleSay(cid, { cid, seq, msgId });
  }

  private failSay(cid: string, frame: ErrorFrame): void {
    const entry = this.pending.fail(cid, { code: frame.code, message: frame.message });
    if (!entry) return;
    this.emitOutgoing(entry);
    this.settleSay(cid, undefined, new ClientError(frame.code, frame.message));
  }

  private settleSay(cid: string, result: SayResult | undefined, error?: ClientError): void {
    const waiter = this.sayWaiters.get(cid);
    if (!waiter) return;
    this.sayWaiters.delete(cid);
    if (result) waiter.resolve(result);
    else if (error) waiter.reject(error);
  }

  private emitOutgoing(entry: Outgoing | OutgoingUpdate): void {
    this.events.emit('outgoing', { ...entry });
  }

  private updateNick(nick: string): void {
    if (nick === this.nick) return;
    this.nick = nick;
    this.events.emit('nick', nick);
  }

  private setTransport(transport: T): void {
    if (transport === this.transport) return;
    this.transport = transport;
    this.events.emit('transport', transport);
  }
}
