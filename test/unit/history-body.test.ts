import { describe, expect, it } from 'vitest';
import { ByteBudget } from '../../src/protocol/byte-budget.js';
import { historyBody } from '../../src/server/history-body.js';

const head = { room: 'big', epoch: 'e1', seq: 3 };
const messages = Array.from({ length: 50 }, (_, i) => ({
  seq: i + 1,
  nick: 'n',
  text: '"\u0001'.repeat(100),
}));
const roomy = () => new ByteBudget({ bytesPerSec: 1e12, burstBytes: 1e12, clock: Date.now });

async function text(stream: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

describe('historyBody', () => {
  it('streams exactly the JSON of the whole page, in pieces of about the chunk size', async () => {
    const pieces: number[] = [];
    const body = historyBody(head, messages, roomy(), 1024);
    body.on('data', (piece: Buffer) => pieces.push(piece.length));
    const json = await text(body);
    expect(JSON.parse(json)).toEqual({ ...head, messages });
    expect(json).toBe(JSON.stringify({ ...head, messages }));
    expect(pieces.length).toBeGreaterThan(5);
  });

  it('is the right JSON for an empty page', async () => {
    expect(JSON.parse(await text(historyBody(head, [], roomy())))).toEqual({ ...head, messages: [] });
  });

  it('makes no more than it is asked for: a reader that stops holds a piece or two, not the page', async () => {
    let charged = 0;
    const counting = {
      charge: (n: number) => {
        charged += n;
      },
      retryAfterMs: () => 0,
    };
    const body = historyBody(head, messages, counting, 1024);
    const first = await new Promise<Buffer>((resolve) => body.once('data', resolve));
    body.pause();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const whole = Buffer.byteLength(JSON.stringify({ ...head, messages }));
    expect(first.length).toBeGreaterThan(0);
    expect(charged).toBeLessThan(whole / 3);
    body.destroy();
  });

  it('charges every byte it makes to the budget', async () => {
    let charged = 0;
    const counting = {
      charge: (n: number) => {
        charged += n;
      },
      retryAfterMs: () => 0,
    };
    const json = await text(historyBody(head, messages, counting, 1024));
    expect(charged).toBe(Buffer.byteLength(json));
  });
});
