/** How fast a byte budget refills and how much it can hold. */
export interface ByteBudgetOptions {
  /** Bytes added per second. */
  bytesPerSec: number;
  /** The most it can hold, and what a new budget starts with. */
  burstBytes: number;
  /** Milliseconds, from any fixed origin; injected so tests need not wait. */
  clock: () => number;
}

/**
 * A token bucket counted in bytes, for costs known only once paid (the bytes of a history answer). Spending
 * is allowed while the balance is positive and may drive it into debt, so one answer larger than the
 * burst is still served once, and the next waits until the debt is paid back at `bytesPerSec`.
 */
export class ByteBudget {
  private balance: number;
  private last: number;

  constructor(private readonly options: ByteBudgetOptions) {
    if (!(options.bytesPerSec > 0) || !(options.burstBytes > 0)) {
      throw new RangeError('A byte budget needs a positive rate and burst.');
    }
    this.balance = options.burstBytes;
    this.last = options.clock();
  }

  /** The bytes that may be spent now; negative while in debt. */
  available(): number {
    const now = this.options.clock();
    // A clock that steps back adds nothing and does not move `last`, so no interval is credited twice.
    if (now > this.last) {
      const refill = ((now - this.last) * this.options.bytesPerSec) / 1000;
      this.balance = Math.min(this.options.burstBytes, this.balance + refill);
      this.last = now;
    }
    return this.balance;
  }

  /** True when something may be spent now (the balance is positive). */
  allows(): boolean {
    return this.available() > 0;
  }

  /** Records `bytes` spent (served), possibly going into debt. */
  charge(bytes: number): void {
    this.balance = this.available() - Math.max(0, bytes);
  }

  /** Spends `bytes` only when the whole amount is there; false (and nothing spent) otherwise. */
  take(bytes: number): boolean {
    if (this.available() < bytes) return false;
    this.balance -= Math.max(0, bytes);
    return true;
  }

  /** Milliseconds until `allows()` is true again; 0 when it is now (for a Retry-After). */
  retryAfterMs(): number {
    const balance = this.available();
    return balance > 0 ? 0 : Math.floor((-balance * 1000) / this.options.bytesPerSec) + 1;
  }

  /** True when the budget is full: it is then the same as a new one and can be dropped. */
  isFull(): boolean {
    return this.available() >= this.options.burstBytes;
  }
}

/** True when every budget allows spending now; for a cost counted against several (connection and IP). */
export function allAllow(budgets: readonly ByteBudget[]): boolean {
  return budgets.every((budget) => budget.allows());
}

/** Charges `bytes` to every budget. */
export function chargeAll(budgets: readonly ByteBudget[], bytes: number): void {
  for (const budget of budgets) budget.charge(bytes);
}

/**
 * Byte budgets by key (an IP address), made on first use. A full budget is the same as a new one, so
 * full budgets are dropped whenever the map has doubled since the last sweep; memory follows the keys
 * that spent recently, not every key ever seen.
 */
export class ByteBudgets {
  private readonly budgets = new Map<string, ByteBudget>();
  private sweepAt = 1024;

  constructor(private readonly options: ByteBudgetOptions) {}

  /** The budget of `key`, made full when it has none. */
  for(key: string): ByteBudget {
    let budget = this.budgets.get(key);
    if (budget === undefined) {
      if (this.budgets.size >= this.sweepAt) this.sweepAt = Math.max(1024, 2 * this.sweep());
      budget = new ByteBudget(this.options);
      this.budgets.set(key, budget);
    }
    return budget;
  }

  /** Drops the full budgets and returns how many remain. */
  sweep(): number {
    for (const [key, budget] of this.budgets) if (budget.isFull()) this.budgets.delete(key);
    return this.budgets.size;
  }

  /** How many keys hold a budget now. */
  get size(): number {
    return this.budgets.size;
  }
}
