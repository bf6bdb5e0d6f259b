// Pure, with no Node or DOM dependency: the Node client uses it, and the browser bundle includes it.

/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  initialMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Growth per failed attempt. */
  factor: number;
  /** Fraction of the delay that is randomised away (0 to 1), so clients do not retry in lockstep. */
  jitter: number;
}

/**
 * The delay before retry number `attempt` (0 for the first): exponential growth capped at `maxMs`, then
 * shortened by a random part of at most `jitter` of itself. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const { initialMs, maxMs, factor, jitter } = options;
  // Clamp the exponent so a long outage cannot overflow to Infinity before the cap applies.
  const steps = Math.min(Math.max(0, attempt), 64);
  const ceiling = Math.min(maxMs, initialMs * factor ** steps);
  const spread = Math.min(Math.max(jitter, 0), 1);
  return Math.round(ceiling * (1 - spread * random()));
}
