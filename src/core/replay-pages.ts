import type { StoredMessage } from '../history/history.js';
import { encode } from '../protocol/encode.js';
import type { Membership, Session } from './session.js';
import { toWire } from './wire.js';

/** Messages a resume replays per room when the client did not set `replayPage`. */
export const DEFAULT_REPLAY_PAGE = 100;

/** How many messages one page of replay (or one `history {after}` answer) may hold for this session. */
export function replayPageSize(s: Session): number {
  return Math.max(1, s.hub.options.limits.replayPage ?? DEFAULT_REPLAY_PAGE);
}

/**
 * The leading messages of `messages` whose frames fit in half of the room left in the session's
 * outbound buffer, encoded, with whether any were left out. At least one goes, so a pull always
 * moves on (one message is far below any bound); the half keeps room for live traffic meanwhile.
 */
export function fitPage(
  s: Session,
  messages: readonly StoredMessage[],
): { frames: string[]; sent: StoredMessage[]; cut: boolean } {
  let budget = s.outboundRoom() / 2;
  const frames: string[] = [];
  for (const message of messages) {
    const frame = encode({ type: 'message', ...toWire(message) });
    if (frames.length > 0 && frame.length > budget) break;
    budget -= frame.length;
    frames.push(frame);
  }
  return { frames, sent: messages.slice(0, frames.length), cut: frames.length < messages.length };
}

/**
 * Ends a pull when the page just read reached the room's latest seq: from now on live messages flow
 * again. Returns whether more remains to pull. `readTo` is the last seq the page holds (or where it
 * started when empty); `full` says the read may have stopped short of the end.
 */
export function settlePull(membership: Membership, readTo: number, full: boolean): boolean {
  const seen = membership.pulling ?? 0;
  membership.lastSeq = Math.max(membership.lastSeq, readTo);
  if (full || seen > readTo) return true;
  membership.pulling = undefined;
  return false;
}
