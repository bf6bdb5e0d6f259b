import { LIMITS } from './limits.js';

const ROOM_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
// Control characters (C0, DEL, C1) and the line/paragraph separators are not printable in a nick.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const NS_RE = /^\/[A-Za-z0-9_.:-]{0,63}$/;

/** True when `room` is a valid room name. */
export function isValidRoom(room: string): boolean {
  return ROOM_RE.test(room);
}

/** True when `ns` is a valid namespace ("/" or "/name"). */
export function isValidNamespace(ns: string): boolean {
  return NS_RE.test(ns);
}

/** Trims a requested nick and returns it, or undefined when it is not a valid nick. */
export function normalizeNick(nick: string): string | undefined {
  const trimmed = nick.trim();
  // A nick of 32 code points is at most 64 UTF-16 units; longer strings need no closer look.
  if (trimmed.length > LIMITS.nickMax * 2) return undefined;
  if (trimmed.length === 0 || CONTROL_RE.test(trimmed)) return undefined;
  if ([...trimmed].length > LIMITS.nickMax) return undefined;
  return trimmed;
}

/** True when `text` is a valid message text. */
export function isValidText(text: string): boolean {
  return text.length >= 1 && text.length <= LIMITS.textMax;
}
