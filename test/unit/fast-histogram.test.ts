import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { FastHistogram } from '../../src/server/fast-histogram.js';

const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The same values into prom-client's Histogram and a FastHistogram, each on a registry of its own. */
function both() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({
    name: 'h_seconds',
    help: 'A test histogram.',
    buckets: BOUNDS,
    registers: [theirs],
  });
  const fast = new FastHistogram('h_seconds', 'A test histogram.', BOUNDS, [ours]);
  return {
    observe: (v: number) => {
      reference.observe(v);
      fast.observe(v);
    },
    reset: () => {
      theirs.resetMetrics();
      ours.resetMetrics();
    },
    texts: async () => [await theirs.metrics(), await ours.metrics()],
    fast,
  };
}

describe('FastHistogram', () => {
  it("is exposed exactly as prom-client's Histogram: empty, on every bound, between, past the last, after a reset", async () => {
    const h = both();
    const [emptyTheirs, emptyOurs] = await h.texts();
    expect(emptyOurs).toBe(emptyTheirs);
    for (const v of [0, 0.0001, ...BOUNDS, 0.0007, 0.003, 0.3, 4.99, 5.0001, 60, 1e9]) h.observe(v);
    for (let i = 0; i < 1000; i++) h.observe((i % 37) / 1000);
    const [theirs, ours] = await h.texts();
    expect(ours).toBe(theirs);
    expect(ours).toContain('h_seconds_bucket{le="+Inf"} 1022');
    h.reset();
    h.observe(0.002);
    const [resetTheirs, resetOurs] = await h.texts();
    expect(resetOurs).toBe(resetTheirs);
  });

  it('refuses a value that is not a number, as prom-client does, and counts nothing for it', async () => {
    const h = both();
    expect(() => h.fast.observe(Number.NaN)).toThrow(TypeError);
    expect(() => h.fast.observe(Number.POSITIVE_INFINITY)).toThrow(TypeError);
    expect(h.fast.get().values.at(-1)?.value).toBe(0);
  });
});
