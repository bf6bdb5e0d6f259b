import { type BackoffOptions, backoffDelay } from '../../src/client/backoff.js';
import { binaryMessage, findBinary } from '../../src/client/json-data.js';
import { type GetToken, TokenRefresher } from '../../src/client/token-refresh.js';
import { RoomCursors } from './cursors.js';
import { DemotionMemory, type KeyValueStore, type LinkFailure, MemoryStore } from './demotion.js';
import { Attempts, type Diagnostics } from './diagnostics.js';
import { Emitter } from './emitter.js';
import { EngineLink, type Link } from './link.js';
import { Liveness } from './liveness.js';
import {
  type Abilities,
  type ConnectionPlan,
  modeFromQuery,
  planConnection,
  type TransportMode,
  type TransportName,
} from './negotiate.js';
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
import { type RequestFrame, Requests } from './requests.js';
import { forgetSavedSession, saveSession, takeSavedSession } from './saved-session.js';
import { SseLink } from './sse-link.js';
import {
  ClientError,
  type ClientEvents,
  type ConnectionState,
  type ConnectOptions,
  type JoinResult,
  type NegotiationInfo,
  type OutgoingUpdate,
  type SayResult,
  type SwitchboardClient,
} from './types.js';

const TEXT_MAX = 4000;
/** How old a reloaded tab's session may be to be resumed; the server forgets it after its grace anyway. */
const SAVED_SESSION_MAX_AGE_MS = 10 * 60_000;

/** The default reconnect schedule: 0.3 s, 0.6 s, 1.2 s … capped at 10 s, each up to half shorter at random. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 300, maxMs: 10_000, factor: 2, jitter: 0.5 };

function hasSessionStorage(): KeyValueStore | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined; // access can throw when storage is disabled
  }
}

/** Connects to a Switchboard gateway; the returned client reconnects on its own until closed. */
export function connect(options: ConnectOptions = {}): SwitchboardClient {
  return new Client(options);
}

class Client implements SwitchboardClient {
  state: ConnectionState = 'connecting';
  transport: TransportName | undefined;
  session: string | undefined;
  nick: string | undefined;

  private readonly events = new Emitter<ClientEvents>();
  private readonly url: string;
  /** Demotions remembered for WebSocket (`memory`, its storage key unchanged) and for SSE. */
  private readonly memory: DemotionMemory;
  private readonly sseMemory: DemotionMemory;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly abilities: Abilities;
  /** The `?transport=` parameter, else the option; `setTransportMode` replaces it. */
  private mode: TransportMode;
  private link: Link | undefined;
  private plan: ConnectionPlan | undefined;
  /** Failures of this attempt's earlier steps, recorded only if a later step then works. */
  private stepFailures: { transport: TransportName; failure: LinkFailure }[] = [];
  private readonly attempts = new Attempts(() => this.clock());
  private readonly liveness: Liveness;
  /** The last welcome in this page; until the first, an attempt is a connect (a reload's resumed session too). */
  private welcome: WelcomeFrame | undefined;
  /** Welcomed and the hello acked: resume finished, requests may go out. */
  private ready = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private offline = false;
  private readonly requests = new Requests<AckFrame, ClientError>();
  private readonly cursors = new RoomCursors();
  /** Where demotions and a reload's session are kept (sessionStorage in a page). */
  private readonly store: KeyValueStore;
  private readonly joined = new Set<string>();
  private readonly pending: PendingSends;
  private readonly sayIds = new Map<number, string>();
  private readonly sayWaiters = new Map<
    string,
    { resolve: (r: SayResult) => void; reject: (e: ClientError) => void }
  >();
  private readonly removers: (() => void)[] = [];
  /** The delay of the next reconnect instead of the backoff's (0 after a failed liveness check). */
  private backoffOverride: number | undefined;
  /** The token hello carries: the option's, then each one getToken gave. */
  private token: string | undefined;
  /** Set when the token is known to be spent: the next attempt asks getToken first. */
  private needToken: boolean;
  private readonly refresher: TokenRefresher | undefined;

  constructor(private readonly options: ConnectOptions) {
    const origin = typeof location === 'undefined' ? undefined : location.origin;
    const url = options.url ?? origin;
    if (!url) throw new ClientError('bad_option', 'connect() needs a url outside a browser page.');
    this.url = url;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    const memory = {
      storage: options.storage ?? hasSessionStorage() ?? new MemoryStore(),
      clock: options.clock ?? Date.now,
      ttlMs: options.demotionMs ?? 600_000,
      failureLimit: options.websocketFailureLimit ?? 2,
    };
    this.memory = new DemotionMemory(memory);
    this.store = memory.storage;
    // A reload of this tab within the server's presence grace resumes the session: no leave and no join.
    const saved = takeSavedSession(this.store, this.clock(), SAVED_SESSION_MAX_AGE_MS);
    if (saved) {
      this.session = saved.session;
      for (const [room, c] of Object.entries(saved.rooms)) this.cursors.set(room, c.epoch, c.seq);
    }
    this.sseMemory = new DemotionMemory({ ...memory, key: 'switchboard.transport.sse', label: 'sse' });
    const query = options.query ?? (typeof location === 'undefined' ? '' : location.search);
    this.mode = (query === false ? undefined : modeFromQuery(query)) ?? options.transport ?? 'auto';
    this.abilities = {
      websocket: options.hasWebSocket ?? typeof globalThis.WebSocket === 'function',
      eventSource:
        options.hasEventSource ??
        (typeof globalThis.EventSource === 'function' && typeof globalThis.fetch === 'function'),
    };
    this.liveness = new Liveness({
      deadlineMs: options.livenessTimeoutMs ?? 1500,
      intervalMs: options.heartbeatMs ?? 25_000,
      ping: () => this.ping(),
      dead: (why) => this.linkDead(why),
    });
    this.nick = options.nick;
    this.token = options.token;
    this.needToken = options.token === undefined && options.getToken !== undefined;
    const getToken = options.getToken;
    this.refresher = getToken
      ? new TokenRefresher({
          getToken: async () => {
            const token = await getToken();
            this.token = token;
            return token;
          },
          refresh: async (token) => {
            const ack = await this.request({ type: 'refresh', token }, false);
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
      () => `c${Date.now().toString(36)}${this.random().toString(36).slice(2, 10)}`,
    );
    this.listenToNetwork();
    if (this.offline) this.setState('offline');
    else this.connectNow();
  }

  get negotiation(): NegotiationInfo {
    return {
      mode: this.mode,
      plan: this.plan,
      demotion: this.memory.current(),
      failures: this.memory.failures(),
      sse: { demotion: this.sseMemory.current(), failures: this.sseMemory.failures() },
    };
  }

  diagnostics(): Diagnostics {
    return {
      at: new Date(this.clock()).toISOString(),
      url: this.url,
      userAgent: typeof navigator === 'undefined' ? undefined : navigator.userAgent,
      state: this.state,
      transport: this.transport,
      session: this.session,
      nick: this.nick,
      caps: this.welcome?.caps ?? [],
      limits: this.welcome?.limits,
      negotiation: this.negotiation,
      abilities: { ...this.abilities },
      attempts: this.attempts.list(),
      rttMs: this.attempts.rtt(),
      cursors: this.cursors.resumeRooms(),
      liveness: this.liveness.report(),
    };
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

  get rooms(): string[] {
    return [...this.joined];
  }

  get outgoing(): OutgoingUpdate[] {
    return this.pending.list();
  }

  on<K extends keyof ClientEvents>(event: K, handler: (payload: ClientEvents[K]) => void): () => void {
    return this.events.on(event, handler);
  }

  async join(room: string): Promise<JoinResult> {
    this.joined.add(room);
    let ack: AckFrame;
    try {
      ack = await this.request({ type: 'join', room }, true);
    } catch (error) {
      // A refused join (an invalid name, say) leaves no room behind, unless the room was already followed.
      if (!this.cursors.has(room)) this.joined.delete(room);
      throw error;
    }
    const result: JoinResult = {
      room,
      members: (ack.members as string[] | undefined) ?? [],
      epoch: String(ack.epoch),
      seq: Number(ack.seq),
      history: (ack.history as ChatMessage[] | undefined) ?? [],
    };
    if (this.joined.has(room)) {
      const cursor = this.cursors.get(room);
      // A second join of a room already followed must not move its cursor back.
      if (!cursor || cursor.epoch !== result.epoch) this.cursors.set(room, result.epoch, result.seq);
      this.events.emit('members', { room, members: result.members });
    }
    return result;
  }

  async leave(room: string): Promise<void> {
    this.joined.delete(room);
    this.cursors.delete(room);
    try {
      await this.request({ type: 'leave', room }, true);
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

  /** Sends a custom event; resolves with the server's reply when a server handler answers it (docs/server-api.md), else undefined. */
  async emit(room: string, event: string, data?: unknown): Promise<unknown> {
    const binary = findBinary(data);
    if (binary) throw new ClientError('binary_data', binaryMessage(binary));
    const ack = await this.request({ type: 'emit', room, event, data: data ?? null }, false);
    return ack.reply;
  }

  async setNick(nick: string): Promise<string> {
    const ack = await this.request({ type: 'nick', nick }, true);
    this.updateNick(String(ack.nick));
    return String(ack.nick);
  }

  async who(room: string): Promise<string[]> {
    const ack = await this.request({ type: 'who', room }, true);
    return (ack.members as string[] | undefined) ?? [];
  }

  async history(room: string, options: { before?: number; limit?: number } = {}): Promise<ChatMessage[]> {
    const ack = await this.request({ type: 'history', room, ...options }, true);
    return (ack.messages as ChatMessage[] | undefined) ?? [];
  }

  setTransportMode(mode: TransportMode): void {
    this.mode = mode;
    if (this.closed || this.offline) return;
    this.dropLink();
    this.attempt = 0;
    this.connectNow();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.refresher?.stop();
    forgetSavedSession(this.store);
    // Leaving on purpose: the others are told now, not after the server's presence grace.
    if (this.link?.welcomed) this.link.quit();
    this.dropLink();
    this.liveness.stop();
    for (const remove of this.removers) remove();
    const closed = new ClientError('closed', 'The client was closed.');
    this.requests.failAll(closed);
    for (const cid of [...this.sayWaiters.keys()]) this.settleSay(cid, undefined, closed);
    this.setState('offline');
  }

  // Connection attempts.

  /** Starts a connection attempt according to the plan for the current mode and demotion. */
  private connectNow(): void {
    if (this.closed || this.offline) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    if (this.needToken && this.options.getToken) {
      this.fetchTokenThenConnect(this.options.getToken);
      return;
    }
    this.stepFailures = [];
    this.plan = planConnection(this.mode, this.abilities, {
      websocket: this.memory.current(),
      sse: this.sseMemory.current(),
    });
    for (const { transport, reason } of this.plan.skipped) this.attempts.skip(transport, reason);
    this.setState(this.welcome ? 'reconnecting' : 'connecting');
    this.startLink(this.plan.first);
  }

  /** Asks the page for a token, then connects with it; a failure is told and retried on the backoff. */
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
          this.scheduleReconnect();
        },
      );
  }

  /** The step after `kind` in the current plan, if any. */
  private nextStep(kind: TransportName): TransportName | undefined {
    const steps = this.plan?.steps ?? [];
    return steps[steps.indexOf(kind) + 1];
  }

  private startLink(kind: TransportName): void {
    const fallsBack = this.nextStep(kind) !== undefined;
    const timeoutMs = !fallsBack
      ? (this.options.connectTimeoutMs ?? 20_000)
      : kind === 'sse'
        ? (this.options.sseTimeoutMs ?? 8000)
        : (this.options.websocketTimeoutMs ?? 8000);
    const events = {
      open: () => this.sendHello(link),
      text: (text: string) => {
        for (const frame of decodeFrames(text)) {
          if (this.link !== link) return;
          this.liveness.heard();
          this.onFrame(link, frame);
        }
      },
      closed: () => this.onLinkClosed(link),
    };
    const link: Link =
      kind === 'sse'
        ? new SseLink(
            {
              url: this.url,
              path: this.options.ssePath ?? '/sse/',
              timeoutMs,
              reconnectMs: this.options.sseReconnectMs ?? 5000,
              maxBodyBytes: 65536,
            },
            events,
          )
        : new EngineLink(
            { url: this.url, path: this.options.path ?? '/engine.io/', kind, timeoutMs },
            events,
          );
    this.attempts.start(kind, this.plan?.why === 'forced' ? 'forced' : undefined);
    this.link = link;
  }

  private sendHello(link: Link): void {
    if (this.link !== link) return;
    link.helloId = this.requests.newId();
    const hello: Record<string, unknown> = { type: 'hello', v: 1, id: link.helloId, caps: [...CLIENT_CAPS] };
    if (this.nick !== undefined) hello.nick = this.nick;
    if (this.options.ns !== undefined) hello.ns = this.options.ns;
    if (this.token !== undefined) hello.token = this.token;
    if (this.session) hello.resume = { session: this.session, rooms: this.cursors.resumeRooms() };
    link.send(hello);
  }

  private onLinkClosed(link: Link): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.liveness.stop();
    if (link.welcomed) {
      this.attempts.lost(link.kind);
      this.lostConnection();
      this.scheduleReconnect();
      return;
    }
    this.attempts.failed(link.kind, link.failure);
    if (link.refusal) {
      // Refused at the handshake: every transport runs the same admission, so trying another is no help.
      const { code, message, status } = link.refusal;
      this.events.emit('error', new ClientError(code, message));
      this.stepFailures = [];
      // 403 (a foreign Origin) is refused again whatever the timing; 429 and 503 pass with time.
      if (status === 403) this.close();
      else this.scheduleReconnect();
      return;
    }
    // Refused for a spent token, not for the transport: get a token and retry, demoting nothing.
    const next = this.needToken ? undefined : this.nextStep(link.kind);
    if (next) {
      // Try the next transport at once: if it works, this failure was this transport's own and is recorded.
      this.stepFailures.push({ transport: link.kind, failure: link.failure });
      this.startLink(next);
      return;
    }
    // Nothing answered: the server or the network is down, which says nothing against any transport.
    this.stepFailures = [];
    this.scheduleReconnect();
  }

  /** A liveness check found the link dead: cut it and reconnect at once (the session resumes). */
  private linkDead(why: string): void {
    const link = this.link;
    if (!link?.welcomed) return;
    this.attempts.dead(link.kind, why);
    this.attempt = 0;
    this.backoffOverride = 0;
    link.kill();
  }

  /** An application ping on the open link; resolves with the round-trip time, rejects when it fails. */
  private async ping(): Promise<number> {
    const started = this.clock();
    const kind = this.link?.kind;
    await this.request({ type: 'ping' }, false);
    const rtt = this.clock() - started;
    if (kind) this.attempts.rttOf(kind, rtt);
    return rtt;
  }

  private clock(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Ends the current link on purpose, without counting it as a failure. */
  private dropLink(): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    this.liveness.stop();
    link.end();
    if (link.welcomed) this.lostConnection();
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

  private scheduleReconnect(): void {
    if (this.closed || this.offline) return;
    this.setState(this.welcome ? 'reconnecting' : 'connecting');
    const delay = this.backoffOverride ?? backoffDelay(this.attempt++, this.backoff, this.random);
    this.backoffOverride = undefined;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connectNow(), delay);
  }

  private listenToNetwork(): void {
    if (typeof addEventListener !== 'function' || typeof navigator === 'undefined') return;
    // A page going away (a reload, a navigation) leaves its session for the next page of this tab.
    const leaving = () => {
      if (this.closed || !this.session) return;
      saveSession(this.store, this.clock(), { session: this.session, rooms: this.cursors.resumeRooms() });
    };
    addEventListener('pagehide', leaving);
    this.removers.push(() => removeEventListener('pagehide', leaving));
    this.offline = navigator.onLine === false;
    const offline = () => {
      this.offline = true;
      clearTimeout(this.reconnectTimer);
      this.dropLink();
      if (!this.closed) this.setState('offline');
    };
    const online = () => {
      if (!this.offline) {
        // Back on a network while (apparently) connected: the old link may be dead without knowing it.
        this.checkNow('online');
        return;
      }
      this.offline = false;
      this.attempt = 0;
      if (!this.link) this.connectNow();
    };
    addEventListener('offline', offline);
    addEventListener('online', online);
    this.removers.push(
      () => removeEventListener('offline', offline),
      () => removeEventListener('online', online),
    );
    if (typeof document === 'undefined') return;
    // A page coming back from the background, the back-forward cache or a freeze: check the link at once
    // instead of waiting for a heartbeat that a throttled timer would deliver late.
    const visible = () => {
      if (document.visibilityState === 'visible') this.checkNow('visible');
    };
    const pageshow = (event: Event) => {
      if ((event as PageTransitionEvent).persisted) this.checkNow('pageshow');
    };
    const resume = () => this.checkNow('resume');
    document.addEventListener('visibilitychange', visible);
    document.addEventListener('resume', resume);
    addEventListener('pageshow', pageshow);
    this.removers.push(
      () => document.removeEventListener('visibilitychange', visible),
      () => document.removeEventListener('resume', resume),
      () => removeEventListener('pageshow', pageshow),
    );
  }

  // Frames.

  private onFrame(link: Link, frame: ServerFrame): void {
    if (!link.welcomed) {
      if (frame.type === 'welcome') this.onWelcome(link, frame);
      else if (frame.type === 'bye') this.onBye(frame);
      else if (frame.type === 'error') {
        this.events.emit('error', new ClientError(frame.code, frame.message));
        // The hello itself was refused (a bad namespace): retrying would be refused again, unless only
        // the token was spent and the page can give a new one (the bye token_expired that follows does).
        const spent = frame.code === 'token_expired' && this.options.getToken !== undefined;
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
        if (frame.transport === 'websocket' || frame.transport === 'polling' || frame.transport === 'sse')
          this.setTransport(frame.transport);
        break;
      case 'bye':
        this.onBye(frame);
        break;
    }
  }

  private onWelcome(link: Link, welcome: WelcomeFrame): void {
    link.markWelcomed();
    this.welcome = welcome;
    this.session = welcome.session;
    this.updateNick(welcome.nick);
    this.attempt = 0;
    this.attempts.welcomed(link.kind);
    if (link.kind === 'websocket') this.memory.recordSuccess();
    if (link.kind === 'sse') this.sseMemory.recordSuccess();
    for (const { transport, failure } of this.stepFailures) {
      const memory = transport === 'sse' ? this.sseMemory : this.memory;
      const demotion = memory.recordFailure(failure);
      if (demotion) this.events.emit('demoted', { ...demotion, transport });
    }
    this.stepFailures = [];
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
        this.request({ type: 'who', room }, false).then(
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

  private onReply(link: Link, frame: AckFrame | ErrorFrame): void {
    const id = frame.id;
    if (id === undefined) {
      if (frame.type === 'error') this.events.emit('error', new ClientError(frame.code, frame.message));
      return;
    }
    if (id === link.helloId) {
      if (frame.type === 'ack') this.onReady(Object.keys(this.cursors.resumeRooms()).length > 0);
      return;
    }
    const cid = this.sayIds.get(id);
    if (cid !== undefined) {
      this.sayIds.delete(id);
      if (frame.type === 'ack') this.confirmSay(cid, Number(frame.seq), String(frame.msgId));
      else this.failSay(cid, frame);
      return;
    }
    const request = this.requests.answer(id);
    if (!request) return;
    if (frame.type === 'ack') request.resolve(frame);
    else request.reject(new ClientError(frame.code, frame.message));
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
    this.request({ type: 'history', room, after }, true).then(
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
    this.events.emit('bye', frame);
    // Refused or replaced on purpose: reconnecting would only be refused (or replace the other) again.
    if (frame.code === 'kicked') this.close();
    // The identity ran out: the next attempt asks the page for a token first, and comes at once.
    if (frame.code === 'token_expired' && this.options.getToken) {
      this.needToken = true;
      this.attempt = 0;
      this.backoffOverride = 0;
    }
  }

  // Requests and messages.

  private request(frame: RequestFrame, retry: boolean): Promise<AckFrame> {
    return new Promise((resolve, reject) => {
      const request = { frame, resolve, reject, retry };
      if (this.closed) reject(new ClientError('closed', 'The client was closed.'));
      else if (this.ready) this.transmit(request);
      else if (retry) this.requests.wait(request);
      else reject(new ClientError('not_connected', 'Not connected; try again when the state is open.'));
    });
  }

  private transmit(request: Parameters<Requests<AckFrame, ClientError>['start']>[0]): void {
    const link = this.link;
    if (link) link.send(this.requests.start(request));
    else this.requests.wait(request);
  }

  private flushSays(): void {
    const link = this.link;
    if (!this.ready || !link) return;
    for (const entry of this.pending.takeQueued()) {
      const id = this.requests.newId();
      this.sayIds.set(id, entry.cid);
      link.send({ type: 'say', id, room: entry.room, text: entry.text, cid: entry.cid });
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

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    this.events.emit('state', state);
  }

  private setTransport(transport: TransportName): void {
    if (transport === this.transport) return;
    this.transport = transport;
    this.events.emit('transport', transport);
  }
}
