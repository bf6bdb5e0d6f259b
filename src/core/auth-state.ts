import type { AuthResult, Identity } from '../ports/admission.js';
import { ERROR_CODES, type ErrorCode, ProtocolError } from '../protocol/errors.js';

/**
 * What an identity allows a session, and how a refresh may change it. Pure: no clock of its own, no I/O;
 * the hub asks these questions and the edge decides when to ask `expired`.
 */

/** The room list entry that allows every room. */
export const ALL_ROOMS = '*';

/** True when `identity` lets its session be in `room`; no identity, or one without a room list, allows all. */
export function allowsRoom(identity: Identity | undefined, room: string): boolean {
  const rooms = identity?.rooms;
  return rooms === undefined || rooms.includes(ALL_ROOMS) || rooms.includes(room);
}

/** The error for a room the identity does not allow. */
export function forbiddenRoom(room: string): ProtocolError {
  return new ProtocolError('forbidden_room', `Your token does not allow room "${room.slice(0, 80)}".`);
}

/** True when `identity` has an expiry and `now` (ms) has reached it. */
export function isExpired(identity: Identity | undefined, now: number): boolean {
  return identity?.expiresAt !== undefined && identity.expiresAt <= now;
}

/** A refusal of authentication as a protocol error; a code outside the registry becomes `unauthorized`. */
export function refusalError(result: Extract<AuthResult, { ok: false }>): ProtocolError {
  const code: ErrorCode = Object.hasOwn(ERROR_CODES, result.code)
    ? (result.code as ErrorCode)
    : 'unauthorized';
  return new ProtocolError(code, result.message || ERROR_CODES[code]);
}

/**
 * The identity a refresh leaves the session with: the new one when it names the same subject, else an
 * error (the caller keeps the old identity, which still ends at its own expiry).
 */
export function refreshed(current: Identity | undefined, result: AuthResult): Identity | ProtocolError {
  if (!result.ok) return refusalError(result);
  if (current === undefined)
    return new ProtocolError('unauthorized', 'This session has no identity to refresh.');
  if (result.identity.subject !== current.subject) {
    return new ProtocolError('unauthorized', 'A refresh must carry a token for the same subject.');
  }
  return result.identity;
}

interface Deadline<K> {
  key: K;
  at: number;
}

/**
 * Expiry deadlines of many keys in one min-heap, so that one timer at the edge can end every session
 * whose identity expired: `due(now)` costs O(expired · log n). Re-setting a key leaves its old entry in
 * the heap; it is skipped when popped (lazy deletion), so set and delete are O(log n) and O(1).
 */
export class ExpiryQueue<K> {
  private readonly at = new Map<K, number>();
  private heap: Deadline<K>[] = [];

  /** How many keys have a deadline. */
  get size(): number {
    return this.at.size;
  }

  /** Gives `key` the deadline `at` (ms), replacing any earlier one. */
  set(key: K, at: number): void {
    this.at.set(key, at);
    this.heap.push({ key, at });
    this.up(this.heap.length - 1);
    // Stale entries are dropped when popped; rebuild if they come to outnumber live ones.
    if (this.heap.length > 64 && this.heap.length > 2 * this.at.size) this.rebuild();
  }

  /** Removes the deadline of `key`, if any. */
  delete(key: K): void {
    this.at.delete(key);
  }

  /** The earliest deadline still set, if any. */
  next(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns every key whose deadline is at or before `now`, earliest first. */
  due(now: number): K[] {
    const out: K[] = [];
    for (;;) {
      this.dropStale();
      const head = this.heap[0];
      if (!head || head.at > now) return out;
      this.pop();
      this.at.delete(head.key);
      out.push(head.key);
    }
  }

  private dropStale(): void {
    for (let head = this.heap[0]; head && this.at.get(head.key) !== head.at; head = this.heap[0]) this.pop();
  }

  private rebuild(): void {
    this.heap = [...this.at].map(([key, at]) => ({ key, at }));
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.entry(parent).at <= this.entry(i).at) return;
      this.swap(parent, i);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let least = i;
      if (l < n && this.entry(l).at < this.entry(least).at) least = l;
      if (r < n && this.entry(r).at < this.entry(least).at) least = r;
      if (least === i) return;
      this.swap(least, i);
      i = least;
    }
  }

  private entry(i: number): Deadline<K> {
    return this.heap[i] as Deadline<K>;
  }

  private swap(i: number, j: number): void {
    const a = this.entry(i);
    this.heap[i] = this.entry(j);
    this.heap[j] = a;
  }
}
