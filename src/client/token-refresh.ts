/** Where a client gets a fresh token: the page's own login, a fetch to its backend, … */
export type GetToken = () => string | Promise<string>;

/** What a TokenRefresher needs from its client. */
export interface TokenRefresherOptions {
  getToken: GetToken;
  /** Sends `refresh` with the token; resolves with the ack's new `expiresAt`, rejects when refused. */
  refresh: (token: string) => Promise<number | undefined>;
  /** Told about a token that could not be had or was refused; the refresher tries again while time is left. */
  failed: (error: unknown) => void;
  /** Milliseconds since the epoch. @default Date.now */
  clock?: () => number;
  /** The longest lead before expiry at which the refresh is made, ms. @default 60000 */
  maxLeadMs?: number;
}

/** A refresh that fails is tried again after this long, while the identity has not expired yet. */
const RETRY_MS = 1000;

/**
 * Refreshes a connection's identity before it expires: asks the page for a token (`getToken`) a third of
 * the remaining lifetime early (at most `maxLeadMs`), sends it, and plans the next from the new expiry.
 * A short-lived token is refreshed early enough that a round trip and a slow getToken still fit.
 */
export class TokenRefresher {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private expiresAt: number | undefined;
  private generation = 0;

  constructor(private readonly options: TokenRefresherOptions) {}

  /** Plans the refresh of an identity that expires at `expiresAt` (ms); undefined stops refreshing. */
  schedule(expiresAt: number | undefined): void {
    this.stop();
    this.expiresAt = expiresAt;
    if (expiresAt === undefined) return;
    const remaining = expiresAt - this.now();
    const lead = Math.min(this.options.maxLeadMs ?? 60_000, remaining / 3);
    this.arm(Math.max(0, remaining - lead));
  }

  /** Stops refreshing (the connection is gone; the next welcome schedules again). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private arm(delay: number): void {
    const generation = this.generation;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run(generation);
    }, delay);
  }

  private async run(generation: number): Promise<void> {
    try {
      const token = await this.options.getToken();
      if (generation !== this.generation) return;
      const expiresAt = await this.options.refresh(token);
      if (generation !== this.generation) return;
      this.schedule(expiresAt);
    } catch (error) {
      if (generation !== this.generation) return;
      this.options.failed(error);
      // Keep trying while the old identity lasts; past it the server says bye token_expired.
      if (this.expiresAt !== undefined && this.expiresAt - this.now() > RETRY_MS) this.arm(RETRY_MS);
    }
  }
}
