import { type BackoffOptions, backoffDelay } from '../../src/client/backoff.js';
import { RoomCursors } from './cursors.js';
import { DemotionMemory, type KeyValueStore, MemoryStore, type WebSocketFailure } from './demotion.js';
import { Emitter } from './emitter.js';
import { Link } from './link.js';
import {
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
  private readonly memory: DemotionMemory;
  private readonly backoff: BackoffOptions;
  private readonly random: () => number;
  private readonly hasWebSocket: boolean;
  /** The `?transport=` parameter, else the option; `setTransportMode` replaces it. */
  private mode: TransportMode;
  private link: Link | undefined;
  private plan: ConnectionPlan | undefined;
  /** The WebSocket failure of this attempt, recorded only if long-polling then works. */
  private wsFailure: WebSocketFailure | undefined;
  /** Welcomed and the hello acked: resume finished, requests may go out. */
  private ready = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private offline = false;
  private readonly requests = new Requests<AckFrame, ClientError>();
  private readonly cursors = new RoomCursors();
  private readonly joined = new Set<string>();
  private readonly pending: PendingSends;
  private readonly sayIds = new Map<number, string>();
  private readonly sayWaiters = new Map<
    string,
    { resolve: (r: SayResult) => void; reject: (e: ClientError) => void }
  >();
  private readonly removers: (() => void)[] = [];

  constructor(private readonly options: ConnectOptions) {
    const origin = typeof location === 'undefined' ? undefined : location.origin;
    const url = options.url ?? origin;
    if (!url) throw new ClientError('bad_option', 'connect() needs a url outside a browser page.');
    this.url = url;
    this.random = options.random ?? Math.random;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.memory = new DemotionMemory({
      storage: options.storage ?? hasSessionStorage() ?? new MemoryStore(),
      clock: options.clock ?? Date.now,
      ttlMs: options.demotionMs ?? 600_000,
      failureLimit: options.websocketFailureLimit ?? 2,
    });
    const query = options.query ?? (typeof location === 'undefined' ? '' : location.search);
    this.mode = (query === false ? undefined : modeFromQuery(query)) ?? options.transport ?? 'auto';
    this.hasWebSocket = options.hasWebSocket ?? typeof globalThis.WebSocket === 'function';
    this.nick = options.nick;
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
    };
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

  async emit(room: string, event: string, data?: unknown): Promise<void> {
    await this.request({ type: 'emit', room, event, data: data ?? null }, false);
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
    this.dropLink();
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
    this.wsFailure = undefined;
    this.plan = planConnection(this.mode, this.hasWebSocket, this.memory.current());
    this.setState(this.session ? 'reconnecting' : 'connecting');
    this.startLink(this.plan.first);
  }

  private startLink(kind: TransportName): void {
    const timeoutMs =
      kind === 'websocket' && this.plan?.fallback
        ? (this.options.websocketTimeoutMs ?? 8000)
        : (this.options.connectTimeoutMs ?? 20_000);
    const link: Link = new Link(
      { url: this.url, path: this.options.path ?? '/engine.io/', kind, timeoutMs },
      {
        open: () => this.sendHello(link),
        text: (text) => {
          for (const frame of decodeFrames(text)) {
            if (this.link !== link) return;
            this.onFrame(link, frame);
          }
        },
        closed: () => this.onLinkClosed(link),
      },
    );
    this.link = link;
  }

  private sendHello(link: Link): void {
    if (this.link !== link) return;
    link.helloId = this.requests.newId();
    const hello: Record<string, unknown> = { type: 'hello', v: 1, id: link.helloId, caps: [...CLIENT_CAPS] };
    if (this.nick !== undefined) hello.nick = this.nick;
    if (this.options.ns !== undefined) hello.ns = this.options.ns;
    if (this.options.token !== undefined) hello.token = this.options.token;
    if (this.session) hello.resume = { session: this.session, rooms: this.cursors.resumeRooms() };
    link.send(hello);
  }

  private onLinkClosed(link: Link): void {
    if (this.link !== link) return;
    this.link = undefined;
    if (link.welcomed) {
      this.lostConnection();
      this.scheduleReconnect();
      return;
    }
    if (link.kind === 'websocket' && this.plan?.fallback) {
      // Try long-polling at once: if it works, WebSocket's failure was WebSocket's own and is recorded.
      this.wsFailure = link.failure;
      this.startLink('polling');
      return;
    }
    // Nothing answered: the server or the network is down, which says nothing against WebSocket.
    this.wsFailure = undefined;
    this.scheduleReconnect();
  }

  /** Ends the current link on purpose, without counting it as a failure. */
  private dropLink(): void {
    const link = this.link;
    if (!link) return;
    this.link = undefined;
    link.end();
    if (link.welcomed) this.lostConnection();
  }

  /** Bookkeeping after an established connection is gone: what was in flight waits for the next one. */
  private lostConnection(): void {
    this.ready = false;
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
    this.setState(this.session ? 'reconnecting' : 'connecting');
    const delay = backoffDelay(this.attempt++, this.backoff, this.random);
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connectNow(), delay);
  }

  private listenToNetwork(): void {
    if (typeof addEventListener !== 'function' || typeof navigator === 'undefined') return;
    this.offline = navigator.onLine === false;
    const offline = () => {
      this.offline = true;
      clearTimeout(this.reconnectTimer);
      this.dropLink();
      if (!this.closed) this.setState('offline');
    };
    const online = () => {
      if (!this.offline) return;
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
  }

  // Frames.

  private onFrame(link: Link, frame: ServerFrame): void {
    if (!link.welcomed) {
      if (frame.type === 'welcome') this.onWelcome(link, frame);
      else if (frame.type === 'bye') this.onBye(frame);
      else if (frame.type === 'error') {
        this.events.emit('error', new ClientError(frame.code, frame.message));
        // The hello itself was refused (a bad namespace): retrying would be refused again.
        if (frame.id !== undefined && frame.id === link.helloId) this.close();
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
        for (const [room, info] of Object.entries(frame.rooms))
          this.cursors.resumed(room, info.epoch, info.seq);
        this.events.emit('resumed', frame);
        break;
      case 'transport':
        if (frame.transport === 'websocket' || frame.transport === 'polling')
          this.setTransport(frame.transport);
        break;
      case 'bye':
        this.onBye(frame);
        break;
    }
  }

  private onWelcome(link: Link, welcome: WelcomeFrame): void {
    link.markWelcomed();
    this.session = welcome.session;
    this.updateNick(welcome.nick);
    this.attempt = 0;
    if (link.kind === 'websocket') {
      this.memory.recordSuccess();
    } else if (this.wsFailure) {
      const demotion = this.memory.recordFailure(this.wsFailure);
      this.wsFailure = undefined;
      if (demotion) this.events.emit('demoted', demotion);
    }
    this.setTransport(link.kind);
    this.setState('open');
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

  private onBye(frame: ByeFrame): void {
    this.events.emit('bye', frame);
    // Refused or replaced on purpose: reconnecting would only be refused (or replace the other) again.
    if (frame.code === 'kicked') this.close();
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
