import type { MemberRef, Presence } from '../ports/presence.js';
import { LIMITS } from '../protocol/limits.js';
import { nickKey, normalizeNick } from '../protocol/names.js';

/** One namespace's presence: who holds each nick (by folded form), each room's members by session. */
interface NamespaceState {
  nicks: Map<string, string>;
  rooms: Map<string, Map<string, MemberRef>>;
  owners: Map<string, string>;
  guests: number;
}

/**
 * The single-process Presence: nicks unique per namespace up to case and confusables (`аlice` is taken by
 * `alice`), room members and session owners, all in memory. Every call resolves at once; the port is async
 * only because a cluster's presence lives in Redis.
 */
export class MemoryPresence implements Presence {
  private readonly namespaces = new Map<string, NamespaceState>();

  claimNick(ns: string, wanted: string | undefined, session: string): Promise<string> {
    const state = this.state(ns);
    const nick = wanted === undefined ? undefined : normalizeNick(wanted);
    const granted = nick === undefined ? freeGuest(state, session) : freeVariant(state, nick, session);
    state.nicks.set(granted.key, session);
    return Promise.resolve(granted.nick);
  }

  releaseNick(ns: string, nick: string, session: string): Promise<void> {
    const state = this.namespaces.get(ns);
    const key = nickKey(nick);
    if (state?.nicks.get(key) === session) {
      state.nicks.delete(key);
      this.forgetIfEmpty(ns, state);
    }
    return Promise.resolve();
  }

  join(ns: string, room: string, member: MemberRef): Promise<{ members: number; added: boolean }> {
    const state = this.state(ns);
    let members = state.rooms.get(room);
    if (!members) {
      members = new Map();
      state.rooms.set(room, members);
    }
    // Keyed by session: a rejoin (a rename, a resume on another node) replaces the entry.
    const added = !members.has(member.session);
    members.set(member.session, member);
    return Promise.resolve({ members: members.size, added });
  }

  leave(ns: string, room: string, session: string): Promise<number> {
    const state = this.namespaces.get(ns);
    const members = state?.rooms.get(room);
    if (!state || !members) return Promise.resolve(0);
    members.delete(session);
    if (members.size === 0) {
      state.rooms.delete(room);
      this.forgetIfEmpty(ns, state);
    }
    return Promise.resolve(members.size);
  }

  members(ns: string, room: string): Promise<string[]> {
    const members = this.namespaces.get(ns)?.rooms.get(room);
    return Promise.resolve(members ? [...members.values()].map((m) => m.nick) : []);
  }

  count(ns: string, room: string): Promise<number> {
    return Promise.resolve(this.namespaces.get(ns)?.rooms.get(room)?.size ?? 0);
  }

  claimSession(ns: string, session: string, node: string): Promise<string | undefined> {
    const state = this.state(ns);
    const before = state.owners.get(session);
    state.owners.set(session, node);
    return Promise.resolve(before);
  }

  releaseSession(ns: string, session: string, node: string): Promise<void> {
    const state = this.namespaces.get(ns);
    if (state?.owners.get(session) === node) {
      state.owners.delete(session);
      this.forgetIfEmpty(ns, state);
    }
    return Promise.resolve();
  }

  ownerOf(ns: string, session: string): Promise<string | undefined> {
    return Promise.resolve(this.namespaces.get(ns)?.owners.get(session));
  }

  close(): Promise<void> {
    this.namespaces.clear();
    return Promise.resolve();
  }

  private state(ns: string): NamespaceState {
    let state = this.namespaces.get(ns);
    if (!state) {
      state = { nicks: new Map(), rooms: new Map(), owners: new Map(), guests: 0 };
      this.namespaces.set(ns, state);
    }
    return state;
  }

  /** A namespace nobody is in any more costs nothing (its guest counter restarts, as a fresh one's would). */
  private forgetIfEmpty(ns: string, state: NamespaceState): void {
    if (state.nicks.size === 0 && state.rooms.size === 0 && state.owners.size === 0) {
      this.namespaces.delete(ns);
    }
  }
}

/** A nick that is free, with its key (worked out once: a key is two confusable skeletons). */
interface Granted {
  nick: string;
  key: string;
}

/** `nick` with its key when it is free for `session` (unheld, or held by that same session: a resume). */
function freeFor(state: NamespaceState, nick: string, session: string): Granted | undefined {
  const key = nickKey(nick);
  const holder = state.nicks.get(key);
  return holder === undefined || holder === session ? { nick, key } : undefined;
}

function freeGuest(state: NamespaceState, session: string): Granted {
  for (;;) {
    const granted = freeFor(state, `guest-${++state.guests}`, session);
    if (granted) return granted;
  }
}

function freeVariant(state: NamespaceState, nick: string, session: string): Granted {
  const free = freeFor(state, nick, session);
  if (free) return free;
  for (let n = 2; ; n++) {
    const suffix = `-${n}`;
    const granted = freeFor(
      state,
      `${[...nick].slice(0, LIMITS.nickMax - suffix.length).join('')}${suffix}`,
      session,
    );
    if (granted) return granted;
  }
}
