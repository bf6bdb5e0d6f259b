import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/client/backoff.js';
import { DEFAULT_BACKOFF } from '../../src/client/core/client-core.js';

const options = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.5 };

describe('backoffDelay', () => {
  it('grows exponentially when the jitter draws nothing', () => {
    const delays = [0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, options, () => 0));
    expect(delays).toEqual([100, 200, 400, 800, 1600]);
  });

  it('never exceeds the cap, even after a very long outage', () => {
    expect(backoffDelay(6, options, () => 0)).toBe(5000);
    expect(backoffDelay(10_000, options, () => 0)).toBe(5000);
    expect(Number.isFinite(backoffDelay(Number.MAX_SAFE_INTEGER, options, () => 0))).toBe(true);
  });

  it('shortens each delay by at most the jitter fraction', () => {
    expect(backoffDelay(3, options, () => 0.999_999)).toBe(400);
    expect(backoffDelay(3, options, () => 0.5)).toBe(600);
    for (let i = 0; i < 200; i++) {
      const delay = backoffDelay(2, options);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });

  it('spreads clients apart: different random draws give different delays', () => {
    const draws = [0.1, 0.4, 0.8].map((r) => backoffDelay(4, options, () => r));
    expect(new Set(draws).size).toBe(3);
  });

  it('treats a negative attempt as the first, and clamps jitter to [0, 1]', () => {
    expect(backoffDelay(-3, options, () => 0)).toBe(100);
    expect(backoffDelay(0, { ...options, jitter: 5 }, () => 0.5)).toBe(50);
    expect(backoffDelay(0, { ...options, jitter: -1 }, () => 0.5)).toBe(100);
  });

  it('has one default for both clients: small first delay, doubling, capped at ten seconds, half random', () => {
    expect(backoffDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(300);
    expect(backoffDelay(50, DEFAULT_BACKOFF, () => 0)).toBe(10_000);
    const at = (draw: number) => (n: number) =>
      backoffDelay(n, { ...DEFAULT_BACKOFF, initialMs: 100, maxMs: 1000 }, () => draw);
    expect([0, 1, 2, 3, 4, 10].map(at(0.999999))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2, 3, 4, 10].map(at(0))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });
});
