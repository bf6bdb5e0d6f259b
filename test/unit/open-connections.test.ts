import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OpenConnections } from '../../transports/open-connections.js';

describe('OpenConnections', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Whether the promise has settled, after the microtasks queued so far. */
  async function settled(promise: Promise<void>): Promise<boolean> {
    let done = false;
    void promise.then(() => {
      done = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    return done;
  }

  it('drains at once when none is open', async () => {
    expect(await settled(new OpenConnections<string>().drained(1000))).toBe(true);
  });

  it('drains when the last one is gone, before the timeout', async () => {
    const open = new OpenConnections<string>();
    open.add('a');
    open.add('b');
    const wait = open.drained(1000);
    open.gone('a');
    expect(await settled(wait)).toBe(false);
    open.gone('b');
    expect(await settled(wait)).toBe(true);
    expect([...open]).toEqual([]);
  });

  it('gives up at the timeout with the stragglers still there to cut', async () => {
    const open = new OpenConnections<string>();
    open.add('stuck');
    const wait = open.drained(1000);
    vi.advanceTimersByTime(999);
    expect(await settled(wait)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(await settled(wait)).toBe(true);
    expect([...open]).toEqual(['stuck']);
    expect(open.size).toBe(1);
  });
});
