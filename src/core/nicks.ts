import { LIMITS } from '../protocol/limits.js';
import { nickKey, normalizeNick } from '../protocol/names.js';

/** The nicks in use in one namespace; nicks are unique up to case and confusables (`аlice` is taken by `alice`). */
export class NickRegistry {
  private readonly taken = new Set<string>();
  private guests = 0;

  /** Claims `wanted` if valid and free, else a free variant of it, else a free `guest-N`. */
  claim(wanted: string | undefined): string {
    const nick = wanted === undefined ? undefined : normalizeNick(wanted);
    const granted = nick === undefined ? this.freeGuest() : this.freeVariant(nick);
    this.taken.add(nickKey(granted));
    return granted;
  }

  /** Frees a nick. */
  release(nick: string): void {
    this.taken.delete(nickKey(nick));
  }

  /** True when the nick is in use. */
  has(nick: string): boolean {
    return this.taken.has(nickKey(nick));
  }

  private freeGuest(): string {
    let nick: string;
    do nick = `guest-${++this.guests}`;
    while (this.has(nick));
    return nick;
  }

  private freeVariant(nick: string): string {
    if (!this.has(nick)) return nick;
    for (let n = 2; ; n++) {
      const suffix = `-${n}`;
      const base = [...nick].slice(0, LIMITS.nickMax - suffix.length).join('');
      const candidate = `${base}${suffix}`;
      if (!this.has(candidate)) return candidate;
    }
  }
}
