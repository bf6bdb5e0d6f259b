import { Readable } from 'node:stream';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import type { ByteBudget } from '../protocol/byte-budget.js';

/** Bytes of JSON made between two turns of the event loop: a few milliseconds of JSON.stringify. */
export const HISTORY_CHUNK_BYTES = 64 * 1024;

/** What a history page holds besides its messages. */
export interface HistoryHead {
  room: string;
  epoch: string;
  seq: number;
}

/** The budget a page is paid from: each piece is charged, and the next waits while it is in debt. */
export type PageBudget = Pick<ByteBudget, 'charge' | 'retryAfterMs'>;

/** The page's JSON, `{...head, messages: [...]}`, as buffers of about `chunkBytes`, paced by `budget`. */
async function* historyJson(
  head: HistoryHead,
  messages: readonly unknown[],
  budget: PageBudget,
  chunkBytes: number,
): AsyncGenerator<Buffer> {
  let chunk = `${JSON.stringify(head).slice(0, -1)},"messages":[`;
  for (let i = 0; i < messages.length; i++) {
    chunk += (i === 0 ? '' : ',') + JSON.stringify(messages[i]);
    if (chunk.length < chunkBytes) continue;
    const piece = Buffer.from(chunk, 'utf8');
    chunk = '';
    budget.charge(piece.length);
    yield piece;
    // Other connections get the loop between pieces (a page of 200 escape-heavy texts is ~5 MB of JSON),
    // and an address in debt gets its bytes no faster than its budget refills.
    const wait = budget.retryAfterMs();
    await (wait > 0 ? sleep(wait) : nextTurn());
  }
  const last = Buffer.from(`${chunk}]}`, 'utf8');
  budget.charge(last.length);
  yield last;
}

/**
 * A history page as a byte stream: serialized only as fast as the peer takes it (a reader that stops
 * reading holds about one piece, not the page), yielding the event loop between pieces, and paced to the
 * reader's byte budget, which each piece is charged to as it is made.
 */
export function historyBody(
  head: HistoryHead,
  messages: readonly unknown[],
  budget: PageBudget,
  chunkBytes = HISTORY_CHUNK_BYTES,
): Readable {
  // highWaterMark 1 (object mode counts pieces): made ahead of the peer by at most one piece.
  return Readable.from(historyJson(head, messages, budget, chunkBytes), { highWaterMark: 1 });
}
