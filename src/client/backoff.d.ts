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
export declare function backoffDelay(attempt: number, options: BackoffOptions, random?: () => number): number;
