import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../web/client/demotion.js';
import { forgetSavedSession, saveSession, takeSavedSession } from '../../web/client/saved-session.js';

describe("a reloaded tab's saved session", () => {
  const saved = { session: 's_abc', rooms: { lobby: { epoch: 'e1', seq: 41 } } };

  it('is taken once by the next page, within its age', () => {
    const store = new MemoryStore();
    saveSession(store, 1000, saved);
    expect(takeSavedSession(store, 2000, 60_000)).toEqual(saved);
    // Taken: a tab duplicated afterwards finds nothing to take over.
    expect(takeSavedSession(store, 2000, 60_000)).toBeUndefined();
  });

  it('is ignored when too old, malformed, or forgotten', () => {
    const store = new MemoryStore();
    saveSession(store, 1000, saved);
    expect(takeSavedSession(store, 1000 + 60_001, 60_000)).toBeUndefined();
    store.setItem('switchboard.session', '{not json');
    expect(takeSavedSession(store, 0, 60_000)).toBeUndefined();
    store.setItem('switchboard.session', JSON.stringify({ session: 7, at: 0 }));
    expect(takeSavedSession(store, 0, 60_000)).toBeUndefined();
    store.setItem(
      'switchboard.session',
      JSON.stringify({ session: 's_x', at: 0, rooms: { ok: { epoch: 'e', seq: 1 }, bad: { seq: 'x' } } }),
    );
    expect(takeSavedSession(store, 0, 60_000)).toEqual({
      session: 's_x',
      rooms: { ok: { epoch: 'e', seq: 1 } },
    });
    saveSession(store, 0, saved);
    forgetSavedSession(store);
    expect(takeSavedSession(store, 0, 60_000)).toBeUndefined();
  });
});
