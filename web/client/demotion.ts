/** The part of the Web Storage API the client needs; sessionStorage fits, and so does an in-memory map. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/**
 * How a WebSocket or SSE attempt failed, as seen from a browser:
 * - `refused`: it never opened (an HTTP error on the upgrade or the stream, a reset, no route);
 * - `closed-early`: it opened, then closed before the hello/welcome round trip (a proxy that accepts and kills);
 * - `timeout`: it did not even open within the time limit (a proxy that holds the handshake or buffers the stream);
 * - `silent`: it opened, but no welcome came within the time limit (a proxy that swallows the traffic).
 */
export type WebSocketFailure = 'refused' | 'closed-early' | 'timeout' | 'silent';

/** The same failures, for any transport that can be demoted. */
export type LinkFailure = WebSocketFailure;

/** A remembered decision to use long-polling instead of WebSocket, until `until` (ms since the epoch). */
export interface Demotion {
  reason: string;
  since: number;
  until: number;
}

/** Options of the demotion memory. */
export interface DemotionOptions {
  storage: KeyValueStore;
  /** Milliseconds since the epoch. */
  clock: () => number;
  /** How long a demotion lasts before WebSocket is tried again, ms. */
  ttlMs: number;
  /** `refused` failures in a row that demote; the other failures demote at once. */
  failureLimit: number;
  /** Storage key. @default 'switchboard.transport' */
  key?: string;
  /** The transport's name in reasons. @default 'websocket' */
  label?: string;
}

interface StoredState {
  failures: number;
  lastFailure?: WebSocketFailure;
  demotion?: Demotion;
}

/**
 * Remembers WebSocket failures and demotions across reconnects and page loads (sessionStorage), with an
 * expiry so that a network that was fixed comes back to WebSocket. Only failures that long-polling proved
 * to be WebSocket's own (the server answered over polling right after) should be recorded here.
 */
export class DemotionMemory {
  private readonly key: string;
  private readonly label: string;
  private readonly fallback = new Map<string, string>();

  constructor(private readonly options: DemotionOptions) {
    this.key = options.key ?? 'switchboard.transport';
    this.label = options.label ?? 'websocket';
  }

  /** The demotion in force now, if any; an expired one is forgotten (its failure count with it). */
  current(): Demotion | undefined {
    const record = this.read();
    if (!record.demotion) return undefined;
    if (this.options.clock() >= record.demotion.until) {
      this.write({ failures: 0 });
      return undefined;
    }
    return { ...record.demotion };
  }

  /** WebSocket failures recorded in a row since the last success or expiry. */
  failures(): number {
    return this.read().failures;
  }

  /** Records a WebSocket failure; returns the demotion when this failure demotes. */
  recordFailure(failure: WebSocketFailure): Demotion | undefined {
    const record = this.read();
    const failures = record.failures + 1;
    const demotes = failure !== 'refused' || failures >= this.options.failureLimit;
    if (!demotes) {
      this.write({ failures, lastFailure: failure });
      return undefined;
    }
    const now = this.options.clock();
    const reason =
      failure === 'refused'
        ? `${this.label} refused ${failures} times in a row`
        : `${this.label} ${describe(failure)}`;
    const demotion: Demotion = { reason, since: now, until: now + this.options.ttlMs };
    this.write({ failures, lastFailure: failure, demotion });
    return { ...demotion };
  }

  /** Records that WebSocket carried a session: failures and demotion are forgotten. */
  recordSuccess(): void {
    const record = this.read();
    if (record.failures === 0 && !record.demotion) return;
    this.write({ failures: 0 });
  }

  private read(): StoredState {
    // What the storage refused to take is newer than anything it still holds.
    let text = this.fallback.get(this.key) ?? null;
    if (text === null) {
      try {
        text = this.options.storage.getItem(this.key);
      } catch {
        text = null;
      }
    }
    if (!text) return { failures: 0 };
    try {
      return sanitize(JSON.parse(text));
    } catch {
      return { failures: 0 };
    }
  }

  private write(record: StoredState): void {
    const text = JSON.stringify(record);
    try {
      this.options.storage.setItem(this.key, text);
      this.fallback.delete(this.key);
    } catch {
      // Storage can be full or forbidden (privacy modes): remember for this page only.
      this.fallback.set(this.key, text);
    }
  }
}

/** A failure in words, after the transport's name. */
export function describe(failure: WebSocketFailure): string {
  if (failure === 'refused') return 'refused';
  if (failure === 'closed-early') return 'closed before carrying traffic';
  if (failure === 'silent') return 'opened, then stayed silent (demoted after a silent round trip)';
  return 'timed out before carrying traffic';
}

/** Accepts only a well-formed stored record; anything else counts as nothing stored. */
function sanitize(value: unknown): StoredState {
  if (typeof value !== 'object' || value === null) return { failures: 0 };
  const v = value as { failures?: unknown; lastFailure?: unknown; demotion?: unknown };
  const failures = typeof v.failures === 'number' && v.failures >= 0 ? Math.floor(v.failures) : 0;
  const record: StoredState = { failures };
  if (
    v.lastFailure === 'refused' ||
    v.lastFailure === 'closed-early' ||
    v.lastFailure === 'timeout' ||
    v.lastFailure === 'silent'
  ) {
    record.lastFailure = v.lastFailure;
  }
  const d = v.demotion as Partial<Demotion> | undefined;
  if (d && typeof d.reason === 'string' && typeof d.since === 'number' && typeof d.until === 'number') {
    record.demotion = { reason: d.reason, since: d.since, until: d.until };
  }
  return record;
}

/** A KeyValueStore in memory, for environments without sessionStorage (Node, some privacy modes). */
export class MemoryStore implements KeyValueStore {
  private readonly map = new Map<string, string>();

  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }

  removeItem(key: string): void {
    this.map.delete(key);
  }
}
