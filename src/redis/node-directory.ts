import type { RedisClients } from './clients.js';
import { DEFAULT_PREFIX } from './keys.js';

/** Options of NodeDirectory. */
export interface NodeDirectoryOptions {
  clients: RedisClients;
  nodeId: string;
  /** Prefix of every key. @default 'sb:' */
  prefix?: string;
  /** An address not refreshed for this long is gone, ms. @default 15000 (presence's bound) */
  ttlMs?: number;
  /** How long a looked-up address is reused before asking Redis again, ms. @default 2000 */
  cacheMs?: number;
  /** Told of a refresh or lookup that failed (Redis down); nothing throws. */
  onError?: (error: Error) => void;
}

/**
 * Where each node can be reached, for polling requests that land on a node that does not own their session.
 * Each node writes `node:ID` = its URL with a TTL and refreshes it at a third of it, so a dead node's address
 * disappears within the bound and requests for its sessions are answered "Session ID unknown" (the client
 * then reconnects and resumes) instead of waiting on a dead peer.
 */
export class NodeDirectory {
  private readonly ttlMs: number;
  private readonly cacheMs: number;
  private readonly prefix: string;
  private readonly onError: (error: Error) => void;
  private readonly cache = new Map<string, { url: string | undefined; until: number }>();
  private timer: NodeJS.Timeout | undefined;
  private url: string | undefined;

  constructor(private readonly options: NodeDirectoryOptions) {
    this.ttlMs = options.ttlMs ?? 15_000;
    this.cacheMs = options.cacheMs ?? 2_000;
    this.prefix = `${options.prefix ?? DEFAULT_PREFIX}node:`;
    this.onError = options.onError ?? (() => {});
  }

  /** Publishes this node's URL now and keeps it fresh until close(). */
  async advertise(url: string): Promise<void> {
    this.url = url;
    await this.refresh();
    clearInterval(this.timer);
    this.timer = setInterval(
      () => {
        this.refresh().catch(this.onError);
      },
      Math.floor(this.ttlMs / 3),
    );
    this.timer.unref();
  }

  /** The URL of `node`, or undefined when it is not registered (dead, or never was) or Redis is down. */
  async lookup(node: string, now = Date.now()): Promise<string | undefined> {
    const cached = this.cache.get(node);
    if (cached && cached.until > now) return cached.url;
    let url: string | undefined;
    try {
      url = (await this.options.clients.command.get(this.prefix + node)) ?? undefined;
    } catch (error) {
      this.onError(error as Error);
      return cached?.url;
    }
    // Bounded: node ids come from session ids that clients send, so unknown ones must not pile up.
    if (this.cache.size >= 1024) this.cache.clear();
    this.cache.set(node, { url, until: now + this.cacheMs });
    return url;
  }

  /** Forgets a cached address that failed to answer, so the next request asks Redis again. */
  forget(node: string): void {
    this.cache.delete(node);
  }

  /** Stops refreshing and takes this node's address out. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.url === undefined) return;
    try {
      await this.options.clients.command.del(this.prefix + this.options.nodeId);
    } catch (error) {
      this.onError(error as Error);
    }
  }

  private async refresh(): Promise<void> {
    if (this.url === undefined) return;
    await this.options.clients.command.set(this.prefix + this.options.nodeId, this.url, 'PX', this.ttlMs);
  }
}
