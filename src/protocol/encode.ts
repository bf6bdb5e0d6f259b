import type { ServerFrame } from './schemas.js';

/** Encodes one server frame as the JSON text every transport carries. */
export function encode(frame: ServerFrame): string {
  return JSON.stringify(frame);
}

/**
 * Packs already-encoded frames into one `batch` frame by concatenation, so frames encoded once for a
 * broadcast are never parsed or encoded again per recipient.
 */
export function encodeBatch(frames: readonly string[]): string {
  return `{"type":"batch","frames":[${frames.join(',')}]}`;
}
