/** How reconnect delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. @default 300 */
  initialMs: number;
  /** Largest delay, ms. @default 10000 */
  maxMs: number;
  /** Growth per failed attempt. @default 2 */
  factor: number;
  /** Fraction of the delay that is randomised away (0 to 1), so clients do not retry in lockstep. @default 0.5 */
  jitter: number;
}

/** The default reconnect schedule: 0.3 s, 0.6 s, 1.2 s … capped at 10 s, each up to half shorter at random. */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 300, maxMs: 10_000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (0 for the first): exponential growth capped at `maxMs`, then
 * shortened by a random part of at most `jitter` of itself. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const { initialMs, maxMs, factor, jitter } = options;
  // Clamp the exponent so a long outage cannot overflow to Infinity before the cap applies.
  const steps = Math.min(Math.max(0, attempt), 64);
  const ceiling = Math.min(maxMs, initialMs * factor ** steps);
  const spread = Math.min(Math.max(jitter, 0), 1);
  return Math.round(ceiling * (1 - spread * random()));
}
