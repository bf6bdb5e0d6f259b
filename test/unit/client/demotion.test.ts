import { describe, expect, it } from 'vitest';
import { DemotionMemory, type KeyValueStore, MemoryStore } from '../../../web/client/demotion.js';

function setup(overrides: { storage?: KeyValueStore; failureLimit?: number } = {}) {
  let now = 1_000_000;
  const storage = overrides.storage ?? new MemoryStore();
  const make = () =>
    new DemotionMemory({
      storage,
      clock: () => now,
      ttlMs: 60_000,
      failureLimit: overrides.failureLimit ?? 2,
    });
  return {
    storage,
    memory: make(),
    /** A second instance on the same storage: the next page load. */
    reload: make,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe('DemotionMemory', () => {
  it('demotes at once when a WebSocket opened and closed before carrying traffic', () => {
    const { memory, now } = setup();
    const demotion = memory.recordFailure('closed-early');
    expect(demotion).toEqual({
      reason: 'websocket closed before carrying traffic',
      since: now(),
      until: now() + 60_000,
    });
    expect(memory.current()).toEqual(demotion);
  });

  it('demotes at once on a timeout', () => {
    const { memory } = setup();
    expect(memory.recordFailure('timeout')?.reason).toBe('websocket timed out before carrying traffic');
  });

  it('demotes refused attempts only when they fail N times in a row', () => {
    const { memory } = setup({ failureLimit: 3 });
    expect(memory.recordFailure('refused')).toBeUndefined();
    expect(memory.recordFailure('refused')).toBeUndefined();
    expect(memory.current()).toBeUndefined();
    expect(memory.failures()).toBe(2);
    expect(memory.recordFailure('refused')?.reason).toBe('websocket refused 3 times in a row');
    expect(memory.current()).toBeDefined();
  });

  it('forgets the failure count when WebSocket works in between', () => {
    const { memory } = setup({ failureLimit: 2 });
    memory.recordFailure('refused');
    memory.recordSuccess();
    expect(memory.failures()).toBe(0);
    expect(memory.recordFailure('refused')).toBeUndefined();
  });

  it('is remembered across page loads through the storage', () => {
    const { memory, reload } = setup({ failureLimit: 2 });
    memory.recordFailure('refused');
    const next = reload();
    expect(next.failures()).toBe(1);
    expect(next.recordFailure('refused')).toBeDefined();
    expect(reload().current()?.reason).toBe('websocket refused 2 times in a row');
  });

  it('expires, so a fixed network comes back to WebSocket, and starts counting afresh', () => {
    const { memory, advance, reload } = setup({ failureLimit: 2 });
    memory.recordFailure('refused');
    memory.recordFailure('refused');
    advance(59_999);
    expect(memory.current()).toBeDefined();
    advance(1);
    expect(memory.current()).toBeUndefined();
    expect(reload().current()).toBeUndefined();
    expect(memory.failures()).toBe(0);
    expect(memory.recordFailure('refused')).toBeUndefined();
  });

  it('treats unreadable or malformed stored data as nothing stored', () => {
    const storage = new MemoryStore();
    const { memory } = setup({ storage });
    for (const text of ['not json', '42', 'null', '{"failures":"x","demotion":{"reason":1}}']) {
      storage.setItem('switchboard.transport', text);
      expect(memory.current()).toBeUndefined();
      expect(memory.failures()).toBe(0);
    }
  });

  it('still works for the page when the storage throws (full, or forbidden)', () => {
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    const { memory } = setup({ storage: broken });
    expect(memory.current()).toBeUndefined();
    expect(memory.recordFailure('closed-early')).toBeDefined();
    expect(memory.current()?.reason).toBe('websocket closed before carrying traffic');
  });

  it('counts failures for the page when the storage reads but refuses writes (full, or a private mode)', () => {
    const stale = new MemoryStore();
    stale.setItem('switchboard.transport', JSON.stringify({ failures: 0 }));
    const readOnly: KeyValueStore = {
      getItem: (key) => stale.getItem(key),
      setItem: () => {
        throw new Error('QuotaExceededError');
      },
      removeItem: () => undefined,
    };
    const { memory } = setup({ storage: readOnly, failureLimit: 2 });
    expect(memory.recordFailure('refused')).toBeUndefined();
    expect(memory.failures()).toBe(1);
    expect(memory.recordFailure('refused')?.reason).toBe('websocket refused 2 times in a row');
    expect(memory.current()).toBeDefined();
  });
});
