import type { RoomCursor } from '../../src/client/core/cursors.js';
import type { KeyValueStore } from './demotion.js';

/** Where a page that is going away leaves its session for the next load of the same tab. */
const KEY = 'switchboard.session';

/** What a reload resumes: the session and where it stood in each room. */
export interface SavedSession {
  session: string;
  rooms: Record<string, RoomCursor>;
}

/** Leaves the session for the next page of this tab (written on `pagehide`, so a live tab holds none). */
export function saveSession(store: KeyValueStore, at: number, saved: SavedSession): void {
  try {
    store.setItem(KEY, JSON.stringify({ ...saved, at }));
  } catch {
    // Storage full or disabled: the next page starts a new session, as without this.
  }
}

/**
 * Takes what the page before left (and removes it, so a tab duplicated later does not resume this
 * session too and take it over from under this one). Nothing when absent, malformed or older than `maxAgeMs`.
 */
export function takeSavedSession(
  store: KeyValueStore,
  now: number,
  maxAgeMs: number,
): SavedSession | undefined {
  let text: string | null;
  try {
    text = store.getItem(KEY);
    store.removeItem(KEY);
  } catch {
    return undefined;
  }
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as { session?: unknown; rooms?: unknown; at?: unknown };
    if (typeof value.session !== 'string' || typeof value.at !== 'number' || now - value.at > maxAgeMs)
      return undefined;
    const rooms: Record<string, RoomCursor> = {};
    if (value.rooms && typeof value.rooms === 'object') {
      for (const [room, c] of Object.entries(value.rooms as Record<string, Partial<RoomCursor>>)) {
        if (typeof c?.epoch === 'string' && typeof c.seq === 'number')
          rooms[room] = { epoch: c.epoch, seq: c.seq };
      }
    }
    return { session: value.session, rooms };
  } catch {
    return undefined;
  }
}

/** Forgets a saved session (the client closed on purpose). */
export function forgetSavedSession(store: KeyValueStore): void {
  try {
    store.removeItem(KEY);
  } catch {
    // Nothing to forget where there is no storage.
  }
}
