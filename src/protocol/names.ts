import unhomoglyph from 'unhomoglyph';
import { LIMITS } from './limits.js';

const ROOM_RE = /^[A-Za-z0-9_.:-]{1,64}$/;
// Nothing a reader cannot see may be in a nick: control characters (Cc), format characters (Cf, which
// holds the zero-width characters, the soft hyphen, the BOM and every bidi control), surrogates, private
// use and unassigned code points (the rest of \p{C}), the line and paragraph separators, and the
// default-ignorable code points outside \p{C} (Hangul fillers, variation selectors, the combining
// grapheme joiner), which render as nothing.
const INVISIBLE_RE = /[\p{C}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
// Unicode White_Space, not String.prototype.trim, which also drops a BOM that must be refused instead.
const EDGE_SPACE_RE = /^\p{White_Space}+|\p{White_Space}+$/gu;
const NS_RE = /^\/[A-Za-z0-9_.:-]{0,63}$/;

/** True when `room` is a valid room name. */
export function isValidRoom(room: string): boolean {
  return ROOM_RE.test(room);
}

/** True when `ns` is a valid namespace ("/" or "/name"). */
export function isValidNamespace(ns: string): boolean {
  return NS_RE.test(ns);
}

/**
 * Returns the nick to show for a requested one (NFKC-normalized, trimmed), or undefined when it is not a
 * valid nick: empty, over 32 code points, or holding a character that is invisible or steers the text.
 */
export function normalizeNick(nick: string): string | undefined {
  // A nick of 32 code points is at most 64 UTF-16 units; longer input needs no normalizing. The bound is
  // checked again after NFKC, which can expand a character into many.
  if (nick.length > LIMITS.nickMax * 4) return undefined;
  const shown = nick.normalize('NFKC').replace(EDGE_SPACE_RE, '');
  if (shown.length === 0 || shown.length > LIMITS.nickMax * 2) return undefined;
  if (INVISIBLE_RE.test(shown)) return undefined;
  if ([...shown].length > LIMITS.nickMax) return undefined;
  return shown;
}

/**
 * The confusable skeleton of `text` per Unicode TR39: NFD, each character replaced by its prototype from
 * the confusables.txt mapping (data from the `unhomoglyph` package), NFD again. Two strings with one
 * skeleton look alike; a skeleton is for comparing, never for showing.
 */
export function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD')).normalize('NFD');
}

// Upper- then lower-casing approximates full case folding (ß and ẞ both become "ss").
const fold = (text: string): string => text.toUpperCase().toLowerCase();

/**
 * The key under which a nick's uniqueness is checked: the skeleton of its case-folded NFKC form, so
 * `alice`, `ALICE`, `Alice` and `аlice` (Cyrillic а) share one key. Folded again after the skeleton
 * because confusables.txt maps some lower-case lookalikes to capitals (`0` becomes `O`).
 */
export function nickKey(nick: string): string {
  return skeleton(fold(skeleton(fold(nick.normalize('NFKC').replace(EDGE_SPACE_RE, '')))));
}

/** True when `text` is a valid message text. */
export function isValidText(text: string): boolean {
  return text.length >= 1 && text.length <= LIMITS.textMax;
}
