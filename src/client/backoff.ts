/** Reconnect delays: exponential from `initialMs`, capped at `maxMs`, with jitter so clients spread out. */
export interface BackoffOptions {
  /** First delay, ms. @default 500 */
  initialMs?: number;
  /** Longest delay, ms. @default 15000 */
  maxMs?: number;
  /** A number in [0, 1); Math.random by default. */
  random?: () => number;
}

/** The delay before reconnect attempt `attempt` (0 for the first): half of it fixed, half random. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const initial = options.initialMs ?? 500;
  const max = options.maxMs ?? 15_000;
  const ceiling = Math.min(max, initial * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (ceiling / 2) * (options.random ?? Math.random)());
}
