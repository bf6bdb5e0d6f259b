/**
 * A budget of bytes per second for each key (a client address): one second's worth may be spent at once,
 * and a read larger than what is left is still served but leaves the key in debt until time pays it off.
 * Pure: time comes from the injected clock.
 */
export class ByteBudget {
  private readonly buckets = new Map<string, { tokens: number; last: number }>();

  constructor(
    private readonly bytesPerSec: number,
    private readonly now: () => number = Date.now,
    /** Keys kept before full (idle) ones are swept, so many addresses cannot grow the map unbounded. */
    private readonly sweepAt = 10_000,
  ) {}

  /** Milliseconds until `key` may be served again; 0 when it may be now. */
  wait(key: string): number {
    const bucket = this.refill(key);
    return bucket.tokens > 0 ? 0 : Math.ceil(((1 - bucket.tokens) * 1000) / this.bytesPerSec);
  }

  /** Spends `bytes` of the key's budget (it may go below zero). */
  charge(key: string, bytes: number): void {
    this.refill(key).tokens -= bytes;
  }

  private refill(key: string): { tokens: number; last: number } {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.sweepAt) this.sweep(now);
      bucket = { tokens: this.bytesPerSec, last: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    const elapsed = Math.max(0, now - bucket.last);
    bucket.last = now;
    bucket.tokens = Math.min(this.bytesPerSec, bucket.tokens + (elapsed * this.bytesPerSec) / 1000);
    return bucket;
  }

  /** Forgets keys whose budget is full again: they are as good as new. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.last) * this.bytesPerSec) / 1000 >= this.bytesPerSec) {
        this.buckets.delete(key);
      }
    }
  }
}
