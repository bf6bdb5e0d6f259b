import { describe, expect, it } from 'vitest';
import { best, FULL, QUICK, scenarios, WORKLOADS } from '../../bench/plan.js';
import { mergeShards } from '../../bench/runner.js';
import { TARGETS } from '../../bench/targets.js';

const run = (workload: 'throughput' | 'latency', ok: boolean, figures: Record<string, number>) => ({
  workload,
  ok,
  figures,
});

describe('bench plan', () => {
  it('keeps the best run: a successful one first, then the better headline figure', () => {
    const slow = run('throughput', true, { deliveriesPerSec: 100 });
    const fast = run('throughput', true, { deliveriesPerSec: 300 });
    const failed = run('throughput', false, {});
    expect(best([slow, fast])).toBe(fast);
    expect(best([failed, slow])).toBe(slow);
    expect(best([failed])).toBe(failed);
    expect(best([])).toBeUndefined();
    const calm = run('latency', true, { p99: 20 });
    const noisy = run('latency', true, { p99: 90 });
    expect(best([noisy, calm])).toBe(calm);
  });

  it("runs each target's workloads (every one unless it names some), throughput at each size", () => {
    const list = scenarios(FULL, TARGETS, WORKLOADS);
    // Many idle connections at once is a WebSocket-family workload (polling holds requests, not sockets).
    const per = (w: string, family: string) =>
      w === 'throughput'
        ? FULL.throughput.subscribers.length
        : w === 'scale' && family !== 'websocket'
          ? 0
          : 1;
    const expected = TARGETS.reduce(
      (sum, t) => sum + (t.workloads ?? WORKLOADS).reduce((s, w) => s + per(w, t.family), 0),
      0,
    );
    expect(list).toHaveLength(expected);
    expect(list.some((s) => s.target.id === 'sb-rawws-cross' && s.workload !== 'latency')).toBe(false);
    const polling = list.find((s) => s.workload === 'latency' && s.target.family === 'polling');
    expect(polling?.n).toBe(200);
    expect(scenarios(QUICK, TARGETS, ['memory']).every((s) => s.n <= 500)).toBe(true);
    const scale = scenarios(FULL, TARGETS, ['scale']);
    expect(scale.map((s) => s.target.id)).toContain('sio-ws');
    expect(scale.every((s) => s.target.family === 'websocket' && s.n === FULL.scale.clients)).toBe(true);
  });
});

describe('mergeShards', () => {
  it('adds rates, averages per-connection costs, and keeps the worst lag of shards that ran at once', () => {
    const merged = mergeShards([
      { connectsPerSec: 1000, heapKBPerConn: 4, rssKBPerConn: 6, lagIdleP99Ms: 2, otherCpuPct: 10 },
      { connectsPerSec: 800, heapKBPerConn: 6, rssKBPerConn: 8, lagIdleP99Ms: 5, otherCpuPct: 3 },
    ]);
    expect(merged).toEqual({
      connectsPerSec: 1800,
      heapKBPerConn: 5,
      rssKBPerConn: 7,
      lagIdleP99Ms: 5,
      otherCpuPct: 10,
    });
  });

  it('splits the full plan’s 20,000 idle clients so no process holds more than 10,000', () => {
    expect(FULL.scale.clients).toBe(20_000);
    expect(FULL.scale.clients / FULL.scale.shards).toBeLessThanOrEqual(10_000);
  });
});
