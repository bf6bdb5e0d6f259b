import { describe, expect, it } from 'vitest';
import { connectEngine, connectRawWs } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

describe('engine.io long-polling slow consumers', () => {
  it('keeps a polling member through ordinary traffic: 5 senders x 40 says', async () => {
    await using server = await startServer({ ratePerSec: 0 });
    const member = await connectEngine(server.url, 'polling');
    await member.hello({ nick: 'poller' });
    await member.request({ type: 'join', room: 'busy' });
    const senders = await Promise.all(Array.from({ length: 5 }, () => connectRawWs(server.url)));
    await Promise.all(
      senders.map(async (s, i) => {
        await s.hello({ nick: `sender${i}` });
        await s.request({ type: 'join', room: 'busy' });
      }),
    );
    await Promise.all(
      senders.flatMap((s, i) =>
        Array.from({ length: 40 }, (_, n) =>
          s.request({ type: 'say', room: 'busy', text: `s${i} m${n} ${'x'.repeat(200)}` }),
        ),
      ),
    );
    await member.waitCount((f) => f.type === 'message' && f.room === 'busy', 200, 15_000);
    expect(member.closed).toBe(false);
    expect(member.frames.some((f) => f.type === 'bye')).toBe(false);
    for (const s of senders) s.close();
    member.close();
  });
});
