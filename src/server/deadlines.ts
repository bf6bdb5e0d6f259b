/**
 * Deadlines that all last the same time, on one timer for all of them. Because every entry lasts
 * `timeoutMs`, insertion order is deadline order: the timer only ever looks at the oldest entries, so
 * expiring is O(expired) and thousands of pending deadlines cost one timer, not one each.
 */
export class DeadlineQueue<K> {
  private readonly entries = new Map<K, { at: number; expire: () => void }>();
  private timer: NodeJS.Timeout | undefined;
  /** Lateness allowed so that deadlines close together expire in one wake-up. */
  private readonly slackMs: number;

  constructor(
    readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.slackMs = Math.min(250, Math.floor(timeoutMs / 20));
  }

  /** How many deadlines are pending. */
  get size(): number {
    return this.entries.size;
  }

  /** Calls `expire` once, `timeoutMs` from now, unless `delete(key)` comes first; adding a key again restarts it. */
  add(key: K, expire: () => void): void {
    this.entries.delete(key);
    this.entries.set(key, { at: this.now() + this.timeoutMs, expire });
    if (!this.timer) this.arm();
  }

  /** Cancels the deadline of `key`, if any. */
  delete(key: K): void {
    this.entries.delete(key);
    if (this.entries.size === 0) this.disarm();
  }

  /** Cancels every deadline and the timer. */
  clear(): void {
    this.entries.clear();
    this.disarm();
  }

  private arm(): void {
    const head = this.entries.values().next().value;
    if (!head) return;
    const delay = Math.max(0, head.at - this.now()) + this.slackMs;
    this.timer = setTimeout(() => this.expireDue(), delay);
    this.timer.unref();
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private expireDue(): void {
    this.timer = undefined;
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (entry.at > now) break;
      this.entries.delete(key);
      try {
        entry.expire();
      } catch {
        // One failing callback (a socket already torn down) must not keep the others from expiring.
      }
    }
    if (this.entries.size > 0 && !this.timer) this.arm();
  }
}
