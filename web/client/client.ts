import { ClientCore } from '../../src/client/core/client-core.js';
import { ClientError } from '../../src/client/core/types.js';
import { DemotionMemory, type KeyValueStore, type LinkFailure, MemoryStore } from './demotion.js';
import { Attempts, type Diagnostics } from './diagnostics.js';
import { EngineLink, type Link } from './link.js';
import {
  type Abilities,
  type ConnectionPlan,
  modeFromQuery,
  planConnection,
  type TransportMode,
  type TransportName,
} from './negotiate.js';
import { forgetSavedSession, saveSession, takeSavedSession } from './saved-session.js';
import { SseLink } from './sse-link.js';
import type { ConnectOptions, NegotiationInfo, SwitchboardClient } from './types.js';

/** How old a reloaded tab's session may be to be resumed; the server forgets it after its grace anyway. */
const SAVED_SESSION_MAX_AGE_MS = 10 * 60_000;

const TRANSPORTS = new Set<string>(['websocket', 'polling', 'sse']);

function hasSessionStorage(): KeyValueStore | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined; // access can throw when storage is disabled
  }
}

/**
 * Connects to a Switchboard gateway (the page's own origin when no url is given); the returned client
 * reconnects on its own until closed.
 */
export function connect(url?: string | ConnectOptions, options: ConnectOptions = {}): SwitchboardClient {
  return new BrowserClient(typeof url === 'string' ? { ...options, url } : (url ?? options));
}

/**
 * The client core in a page: it negotiates the transport (WebSocket, then SSE, then long-polling, each
 * verified by the welcome), remembers demotions, keeps a reloaded tab's session, and checks the link when
 * the page comes back from the background or the network returns.
 */
class BrowserClient extends ClientCore<TransportName, Link> implements SwitchboardClient {
  private readonly url: string;
  /** Demotions remembered for WebSocket (`memory`, its storage key unchanged) and for SSE. */
  private readonly memory: DemotionMemory;
  private readonly sseMemory: DemotionMemory;
  private readonly abilities: Abilities;
  /** The `?transport=` parameter, else the option; `setTransportMode` replaces it. */
  private mode: TransportMode;
  private plan: ConnectionPlan | undefined;
  /** Failures of this attempt's earlier steps, recorded only if a later step then works. */
  private stepFailures: { transport: TransportName; failure: LinkFailure }[] = [];
  private readonly attempts = new Attempts(() => this.clock());
  /** Where demotions and a reload's session are kept (sessionStorage in a page). */
  private readonly store: KeyValueStore;
  private readonly removers: (() => void)[] = [];

  constructor(private readonly options: ConnectOptions) {
    super(options);
    const origin = typeof location === 'undefined' ? undefined : location.origin;
    const url = options.url ?? origin;
    if (!url) throw new ClientError('bad_option', 'connect() needs a url outside a browser page.');
    this.url = url;
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

  setTransportMode(mode: TransportMode): void {
    this.mode = mode;
    if (this.closed || this.offline) return;
    this.dropLink();
    this.attempt = 0;
    this.connectNow();
  }

  // Negotiation: the hooks of the core.

  protected override beginAttempt(): void {
    this.stepFailures = [];
    this.plan = planConnection(this.mode, this.abilities, {
      websocket: this.memory.current(),
      sse: this.sseMemory.current(),
    });
    for (const { transport, reason } of this.plan.skipped) this.attempts.skip(transport, reason);
    this.startStep(this.plan.first);
  }

  protected override isTransport(name: string): name is TransportName {
    return TRANSPORTS.has(name);
  }

  protected override fallBack(link: Link): boolean {
    const next = this.nextStep(link.kind);
    if (!next) return false;
    // Try the next transport at once: if it works, this failure was this transport's own and is recorded.
    this.stepFailures.push({ transport: link.kind, failure: link.failure });
    this.startStep(next);
    return true;
  }

  protected override attemptFailed(): void {
    this.stepFailures = [];
  }

  protected override linkWelcomed(link: Link): void {
    this.attempts.welcomed(link.kind);
    if (link.kind === 'websocket') this.memory.recordSuccess();
    if (link.kind === 'sse') this.sseMemory.recordSuccess();
    for (const { transport, failure } of this.stepFailures) {
      const memory = transport === 'sse' ? this.sseMemory : this.memory;
      const demotion = memory.recordFailure(failure);
      if (demotion) this.events.emit('demoted', { ...demotion, transport });
    }
    this.stepFailures = [];
  }

  protected override linkFailed(link: Link): void {
    this.attempts.failed(link.kind, link.failure);
  }

  protected override linkLost(link: Link): void {
    this.attempts.lost(link.kind);
  }

  protected override linkDied(link: Link, why: string): void {
    this.attempts.dead(link.kind, why);
  }

  protected override measured(kind: TransportName, rttMs: number): void {
    this.attempts.rttOf(kind, rttMs);
  }

  protected override closing(): void {
    forgetSavedSession(this.store);
    for (const remove of this.removers) remove();
  }

  /** The step after `kind` in the current plan, if any. */
  private nextStep(kind: TransportName): TransportName | undefined {
    const steps = this.plan?.steps ?? [];
    return steps[steps.indexOf(kind) + 1];
  }

  private startStep(kind: TransportName): void {
    const fallsBack = this.nextStep(kind) !== undefined;
    const timeoutMs = !fallsBack
      ? (this.options.connectTimeoutMs ?? 20_000)
      : kind === 'sse'
        ? (this.options.sseTimeoutMs ?? 8000)
        : (this.options.websocketTimeoutMs ?? 8000);
    this.startLink((events) =>
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
          ),
    );
    this.attempts.start(kind, this.plan?.why === 'forced' ? 'forced' : undefined);
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
}
