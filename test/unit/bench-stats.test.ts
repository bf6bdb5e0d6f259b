import { describe, expect, it } from 'vitest';
import { parseCpuTicks, parseProcessTicks } from '../../bench/machine.js';
import { cpuMicros, cpuPercent, percentile, ratio, summarize } from '../../bench/stats.js';

describe('bench statistics', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 90)).toBe(90);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarizes only the samples taken, sorted numerically', () => {
    const samples = new Float64Array(8);
    samples.set([30, 4, 100, 2.5]);
    const s = summarize(samples, 4);
    expect(s).toEqual({ count: 4, p50: 4, p90: 100, p99: 100, max: 100, mean: 34.125 });
    expect(summarize(new Float64Array(0)).count).toBe(0);
  });

  it('gives ratios only against a positive finite base', () => {
    expect(ratio(10, 4)).toBe(2.5);
    expect(ratio(10, 0)).toBeUndefined();
    expect(ratio(undefined, 3)).toBeUndefined();
    expect(ratio(3, undefined)).toBeUndefined();
    expect(ratio(Number.NaN, 3)).toBeUndefined();
  });

  it('adds user and system CPU between two readings', () => {
    expect(cpuMicros({ user: 100, system: 50 }, { user: 400, system: 80 })).toBe(330);
    // Two seconds of CPU over four of wall time: half a core.
    expect(cpuPercent(2_000_000, 4)).toBe(50);
  });
});

describe('bench machine load', () => {
  it('reads busy and steal ticks from /proc/stat and a process CPU time from /proc/PID/stat', () => {
    expect(parseCpuTicks('cpu  100 5 50 1000 20 3 2 7 0 0')).toEqual({ busy: 160, steal: 7 });
    const stat = '4242 (node server) S 1 2 3 0 -1 4194304 10 0 0 0 250 40 0 0 20 0 11 0 100 0';
    expect(parseProcessTicks(stat)).toBe(290);
  });
});
