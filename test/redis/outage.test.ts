import { describe, expect, it, vi } from 'vitest';
import { connectEngine, connectRawWs } from '../helpers/client.js';
import { startRedis } from '../helpers/redis.js';
import { startServer } from '../helpers/server.js';

describe('redis-server stopped for a few seconds under two live nodes', () => {
  it('say gets history_unavailable meanwhile, nobody is disconnected, and chat works again without a restart', async () => {
    await using redis = await startRedis();
    await using a = await startServer({ redisUrl: redis.url, nodeId: 'out-a' });
    await using b = await startServer({ redisUrl: redis.url, nodeId: 'out-b' });
    const ann = await connectRawWs(a.url);
    const bob = await connectEngine(b.url, 'polling');
    await ann.hello({ nick: 'ann' });
    await bob.hello({ nick: 'bob' });
    await ann.request({ type: 'join', room: 'r' });
    await bob.request({ type: 'join', room: 'r' });
    expect(await ann.request({ type: 'say', room: 'r', text: 'before' })).toMatchObject({
      type: 'ack',
      seq: 1,
    });
    await bob.next('message', (m) => m.text === 'before');

    await redis.stop();
    const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;
    await vi.waitFor(async () => expect(await readyz(a.url)).toBe(503), { timeout: 10_000 });
    expect(await ann.request({ type: 'say', room: 'r', text: 'during' })).toMatchObject({
      type: 'error',
      code: 'history_unavailable',
    });
    expect(await bob.request({ type: 'say', room: 'r', text: 'during' })).toMatchObject({
      type: 'error',
      code: 'history_unavailable',
    });
    // Requests that need no Redis still work, and nobody was disconnected.
    expect(await ann.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    expect(await bob.request({ type: 'ping' })).toMatchObject({ type: 'ack' });

    await redis.start();
    await vi.waitFor(async () => expect(await readyz(a.url)).toBe(200), { timeout: 15_000 });
    await vi.waitFor(async () => expect(await readyz(b.url)).toBe(200), { timeout: 15_000 });
    await vi.waitFor(
      async () =>
        expect(await ann.request({ type: 'say', room: 'r', text: 'after' })).toMatchObject({ type: 'ack' }),
      { timeout: 15_000 },
    );
    expect(await bob.next('message', (m) => m.text === 'after')).toMatchObject({ from: 'ann', seq: 1 });
    // Redis came back empty: its history is a new one, and members are told so before its first message.
    const gap = bob.raw.findIndex((f) => f.type === 'gap' && f.reason === 'epoch');
    expect(gap).toBeGreaterThan(-1);
    expect(gap).toBeLessThan(bob.raw.findIndex((f) => f.type === 'message' && f.text === 'after'));
    expect(await bob.request({ type: 'say', room: 'r', text: 'back' })).toMatchObject({ type: 'ack' });
    expect(await ann.next('message', (m) => m.text === 'back')).toMatchObject({ from: 'bob' });
    expect(ann.closed || bob.closed).toBe(false);
    expect([...ann.raw, ...bob.raw].some((f) => f.type === 'bye')).toBe(false);
    ann.close();
    bob.close();
  }, 60_000);
});
