import { TokenBucket } from './rate.js';

/** The per-address and per-process bounds applied at the handshake. */
export interface AdmissionLimits {
  /** Open connections one address may hold; 0 turns the cap off. */
  maxConnectionsPerIp: number;
  /** Open connections the process may hold; 0 turns the cap off. */
  maxConnections: number;
  /** Sustained handshakes per second per address; 0 turns the rate off. */
  handshakesPerIpPerSec: number;
  /** Handshakes an address may make at once before the rate applies. */
  handshakeBurst: number;
}

/** Why the policy refused a handshake. */
export type AdmissionRefusal = 'rate_limited' | 'too_many_connections' | 'server_full';

/** The answer of the policy: a slot to give back when the connection closes, or a refusal. */
export type AdmissionDecision = { ok: true; release: () => void } | { ok: false; code: AdmissionRefusal };

/** Buckets are pruned once this many addresses have one, so a spread of addresses cannot grow memory. */
const PRUNE_AT = 4096;

/**
 * Counts connections per address and in all, and rate-limits handshakes per address with a token bucket.
 * Pure: no I/O, the clock is injected. Every handshake takes a token (refused ones too, or retrying
 * would be free); a refused one holds no slot.
 */
export class AdmissionPolicy {
  private readonly open = new Map<string, number>();
  private readonly buckets = new Map<string, TokenBucket>();
  private total = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly clock: () => number,
  ) {}

  /** Connections held now, in all and by `address`. */
  count(address?: string): number {
    return address === undefined ? this.total : (this.open.get(address) ?? 0);
  }

  /** Decides one handshake from `address`; an admitted one holds its slot until `release()` (idempotent). */
  admit(address: string): AdmissionDecision {
    const now = this.clock();
    if (!this.takeToken(address, now)) return { ok: false, code: 'rate_limited' };
    const held = this.open.get(address) ?? 0;
    const { maxConnectionsPerIp, maxConnections } = this.limits;
    if (maxConnectionsPerIp > 0 && held >= maxConnectionsPerIp)
      return { ok: false, code: 'too_many_connections' };
    if (maxConnections > 0 && this.total >= maxConnections) return { ok: false, code: 'server_full' };
    this.open.set(address, held + 1);
    this.total++;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.open.get(address) ?? 1) - 1;
        if (left > 0) this.open.set(address, left);
        else this.open.delete(address);
      },
    };
  }

  private takeToken(address: string, now: number): boolean {
    const { handshakesPerIpPerSec: rate, handshakeBurst } = this.limits;
    if (rate <= 0) return true;
    let bucket = this.buckets.get(address);
    if (!bucket) {
      if (this.buckets.size >= PRUNE_AT) this.prune(now);
      bucket = new TokenBucket(rate, Math.max(1, handshakeBurst), now);
      this.buckets.set(address, bucket);
    }
    return bucket.take(now);
  }

  /** Forgets the buckets that have refilled: a new one for that address would be the same. */
  private prune(now: number): void {
    for (const [address, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(address);
  }
}
