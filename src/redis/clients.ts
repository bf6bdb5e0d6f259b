import { Redis } from 'ioredis';

/** Redis could not be reached at start-up: one line naming REDIS_URL. */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
  readonly code = 'redis_unavailable';
}

/** Options of RedisClients.connect. */
export interface RedisClientsOptions {
  /** The REDIS_URL, e.g. `redis://127.0.0.1:6379/0`. */
  url: string;
  /** How long the first connection may take, ms. @default 3000 */
  connectTimeoutMs?: number;
  /** Called once when a running connection is lost (not on every reconnect attempt). */
  onDown?: (error: Error) => void;
  /** Called when a lost connection is back. */
  onUp?: () => void;
}

/** The URL as it may be shown: any password replaced. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** The longest wait between reconnect attempts, ms: short, so a node is back soon after Redis is. */
const MAX_RETRY_MS = 1000;

/**
 * The two connections a node holds: one for commands and scripts, one in subscriber mode that every
 * adapter's channels share. Both reconnect for ever by themselves and re-subscribe; while one is down its
 * commands fail at once (no offline queue), so an append answers `history_unavailable` instead of hanging.
 */
export class RedisClients {
  private readonly handlers = new Map<string, (payload: string) => void>();
  private down = false;
  private closing = false;

  private constructor(
    /** The command connection. */
    readonly command: Redis,
    /** The subscriber connection. */
    readonly subscriber: Redis,
    private readonly options: RedisClientsOptions,
  ) {
    subscriber.on('message', (channel: string, payload: string) => this.handlers.get(channel)?.(payload));
    for (const client of [command, subscriber]) {
      client.on('error', (error: Error) => this.lost(error));
      client.on('close', () => this.lost(new Error('connection closed')));
      client.on('ready', () => this.back());
    }
  }

  /** Connects both; rejects with RedisUnavailableError naming REDIS_URL when Redis cannot be reached. */
  static async connect(options: RedisClientsOptions): Promise<RedisClients> {
    const settings = {
      lazyConnect: true,
      enableOfflineQueue: false,
      // A command whose connection dropped is failed, not resent: the caller retries with its cid.
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      connectTimeout: options.connectTimeoutMs ?? 3000,
      retryStrategy: (attempt: number) => Math.min(attempt * 100, MAX_RETRY_MS),
    };
    const command = new Redis(options.url, settings);
    const subscriber = new Redis(options.url, settings);
    let first: Error | undefined;
    const record = (error: Error) => {
      first ??= error;
    };
    command.on('error', record);
    subscriber.on('error', record);
    try {
      await Promise.all([command.connect(), subscriber.connect()]);
    } catch (error) {
      command.disconnect();
      subscriber.disconnect();
      const cause = first ?? (error as Error);
      throw new RedisUnavailableError(
        `Redis is unreachable at REDIS_URL=${redactUrl(options.url)}: ${cause.message}.`,
      );
    } finally {
      command.off('error', record);
      subscriber.off('error', record);
    }
    return new RedisClients(command, subscriber, options);
  }

  /** Delivers every payload published on `channel` to `handler`; one handler per channel. */
  async listen(channel: string, handler: (payload: string) => void): Promise<void> {
    this.handlers.set(channel, handler);
    await this.subscriber.subscribe(channel);
  }

  /** True while both connections are up: what GET /readyz reports. */
  ready(): boolean {
    return this.command.status === 'ready' && this.subscriber.status === 'ready';
  }

  /** Closes both connections. */
  async close(): Promise<void> {
    this.closing = true;
    this.handlers.clear();
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }

  private lost(error: Error): void {
    if (this.down || this.closing) return;
    this.down = true;
    this.options.onDown?.(error);
  }

  private back(): void {
    if (!this.down || !this.ready()) return;
    this.down = false;
    this.options.onUp?.();
  }
}
