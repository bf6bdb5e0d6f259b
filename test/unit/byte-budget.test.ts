import { describe, expect, it } from 'vitest';
import { allAllow, ByteBudget, ByteBudgets, chargeAll } from '../../src/protocol/byte-budget.js';

function clock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('ByteBudget', () => {
  it('starts full, spends, and refills at its rate up to the burst', () => {
    const c = clock();
    const b = new ByteBudget({ bytesPerSec: 1000, burstBytes: 4000, clock: c.now });
    expect(b.available()).toBe(4000);
    b.charge(3000);
    expect(b.available()).toBe(1000);
    c.advance(500);
    expect(b.available()).toBe(1500);
    c.advance(60_000);
    expect(b.available()).toBe(4000);
    expect(b.isFull()).toBe(true);
  });

  it('serves one answer larger than the burst, then refuses until the debt is paid', () => {
    const c = clock();
    const b = new ByteBudget({ bytesPerSec: 1000, burstBytes: 1000, clock: c.now });
    expect(b.allows()).toBe(true);
    b.charge(3500);
    expect(b.allows()).toBe(false);
    expect(b.retryAfterMs()).toBe(2501);
    c.advance(2500);
    expect(b.allows()).toBe(false);
    c.advance(1);
    expect(b.allows()).toBe(true);
    expect(b.retryAfterMs()).toBe(0);
  });

  it('takes a known cost only when all of it is there', () => {
    const c = clock();
    const b = new ByteBudget({ bytesPerSec: 100, burstBytes: 300, clock: c.now });
    expect(b.take(200)).toBe(true);
    expect(b.take(200)).toBe(false);
    expect(b.available()).toBe(100);
    c.advance(1000);
    expect(b.take(200)).toBe(true);
    expect(b.available()).toBe(0);
  });

  it('credits nothing when the clock steps back, and no interval twice', () => {
    const c = clock(10_000);
    const b = new ByteBudget({ bytesPerSec: 1000, burstBytes: 1000, clock: c.now });
    b.charge(1000);
    c.advance(-5000);
    expect(b.available()).toBe(0);
    c.advance(5500);
    expect(b.available()).toBe(500);
  });

  it('refuses a rate or burst that is not positive', () => {
    const c = clock();
    for (const [bytesPerSec, burstBytes] of [
      [0, 1],
      [1, 0],
      [Number.NaN, 1],
      [-1, 1],
    ] as const) {
      expect(() => new ByteBudget({ bytesPerSec, burstBytes, clock: c.now })).toThrow(RangeError);
    }
  });
});

describe('several budgets at once', () => {
  it('allows only while every budget allows, and charges each', () => {
    const c = clock();
    const conn = new ByteBudget({ bytesPerSec: 1000, burstBytes: 1000, clock: c.now });
    const ip = new ByteBudget({ bytesPerSec: 1000, burstBytes: 5000, clock: c.now });
    expect(allAllow([conn, ip])).toBe(true);
    chargeAll([conn, ip], 2000);
    expect(conn.available()).toBe(-1000);
    expect(ip.available()).toBe(3000);
    expect(allAllow([conn, ip])).toBe(false);
  });
});

describe('ByteBudgets', () => {
  it('gives each key its own budget and the same one on every call', () => {
    const c = clock();
    const budgets = new ByteBudgets({ bytesPerSec: 1000, burstBytes: 1000, clock: c.now });
    budgets.for('10.0.0.1').charge(1500);
    expect(budgets.for('10.0.0.1').allows()).toBe(false);
    expect(budgets.for('10.0.0.2').allows()).toBe(true);
    expect(budgets.size).toBe(2);
  });

  it('drops budgets that have refilled, keeping those in use', () => {
    const c = clock();
    const budgets = new ByteBudgets({ bytesPerSec: 1000, burstBytes: 1000, clock: c.now });
    budgets.for('a').charge(500);
    budgets.for('b').charge(5000);
    c.advance(1000);
    expect(budgets.sweep()).toBe(1);
    expect(budgets.for('b').available()).toBe(-3000);
  });

  it('stays bounded by the keys that spent recently when many keys pass through', () => {
    const c = clock();
    const budgets = new ByteBudgets({ bytesPerSec: 1000, burstBytes: 1000, clock: c.now });
    for (let i = 0; i < 10_000; i++) {
      budgets.for(`k${i}`).charge(10);
      c.advance(10);
    }
    // Each key refills 10 bytes in 10 ms, so only the keys made since the last sweep can be left.
    expect(budgets.size).toBeLessThanOrEqual(2048);
  });
});
