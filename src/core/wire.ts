import type { StoredMessage } from '../history/history.js';
import type { ChatMessage } from '../protocol/schemas.js';

/** The wire form of a stored message: everything but the sending session. */
export function toWire(m: StoredMessage): ChatMessage {
  const wire: ChatMessage = {
    room: m.room,
    seq: m.seq,
    msgId: m.msgId,
    from: m.from,
    text: m.text,
    ts: m.ts,
  };
  if (m.cid !== undefined) wire.cid = m.cid;
  if (m.bot === true) wire.bot = true;
  return wire;
}
