/** Latency summary in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The nearest-rank percentile (the smallest sample with at least p% of samples at or below it) of
 * samples sorted ascending; NaN when there are none.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (p <= 0) return sorted[0] as number;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, rank) - 1] as number;
}

/** Sorts the first `count` samples in place and summarizes them. */
export function summarize(samples: Float64Array, count = samples.length): LatencySummary {
  const used = samples.subarray(0, count).sort();
  let sum = 0;
  for (let i = 0; i < used.length; i++) sum += used[i] as number;
  return {
    count: used.length,
    p50: percentile(used, 50),
    p90: percentile(used, 90),
    p99: percentile(used, 99),
    max: used.length > 0 ? (used[used.length - 1] as number) : Number.NaN,
    mean: used.length > 0 ? sum / used.length : Number.NaN,
  };
}

/** value / base, or undefined when either is missing or the base is not a positive finite number. */
export function ratio(value: number | undefined, base: number | undefined): number | undefined {
  if (value === undefined || base === undefined) return undefined;
  if (!Number.isFinite(value) || !Number.isFinite(base) || base <= 0) return undefined;
  return value / base;
}

/** CPU microseconds (user + system) between two process.cpuUsage() readings. */
export function cpuMicros(
  before: { user: number; system: number },
  after: { user: number; system: number },
): number {
  return after.user - before.user + (after.system - before.system);
}

/** CPU microseconds spent over `seconds` of wall time, as a percentage of one core. */
export function cpuPercent(micros: number, seconds: number): number {
  return micros / seconds / 1e4;
}
