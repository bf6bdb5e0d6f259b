import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEngine, connectRawWs, type Frame, type TestClient } from '../helpers/client.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** Two gateways (nodes) on one real redis-server, as REDIS_URL makes them. */
async function twoNodes(): Promise<[TestServer, TestServer]> {
  return [
    await startServer({ redisUrl: redis.url, nodeId: 'node-a' }),
    await startServer({ redisUrl: redis.url, nodeId: 'node-b' }),
  ];
}

const seqs = (c: TestClient, room: string) => c.messages(room).map((m) => m.seq);

describe('REDIS_URL: two nodes on one Redis', () => {
  it('members on both nodes chat in one room with one seq order, and who lists both nodes', async () => {
    const [a, b] = await twoNodes();
    await using _a = a;
    await using _b = b;
    const ann = await connectRawWs(a.url);
    const bob = await connectEngine(b.url, 'websocket');
    try {
      await ann.hello({ nick: 'ann' });
      await bob.hello({ nick: 'bob' });
      await ann.request({ type: 'join', room: 'x' });
      const joined = await bob.request({ type: 'join', room: 'x' });
      expect((joined.members as string[]).sort()).toEqual(['ann', 'bob']);
      // Ann, on the other node, is told of Bob's join with the cluster's count.
      expect(await ann.next('presence')).toMatchObject({ event: 'join', nick: 'bob', members: 2 });
      for (let i = 0; i < 20; i++) {
        const sender = i % 2 ? ann : bob;
        sender.send({ type: 'say', room: 'x', text: `t${i}`, id: 100 + i });
      }
      await ann.waitCount((f) => f.type === 'message', 20);
      await bob.waitCount((f) => f.type === 'message', 20);
      const expected = Array.from({ length: 20 }, (_, i) => i + 1);
      expect(seqs(ann, 'x')).toEqual(expected);
      expect(seqs(bob, 'x')).toEqual(expected);
      expect(ann.messages('x').map((m) => m.text)).toEqual(bob.messages('x').map((m) => m.text));
      // Nicks are the cluster's: a third client on node a cannot take bob's.
      const third = await connectRawWs(a.url);
      expect((await third.hello({ nick: 'BOB' })).nick).toBe('BOB-2');
      third.close();
    } finally {
      ann.close();
      bob.close();
    }
  });

  it('a resume on the other node closes the old connection, replays what was missed, and the room sees no leave', async () => {
    const [a, b] = await twoNodes();
    await using _a = a;
    await using _b = b;
    const watcher = await connectRawWs(a.url);
    const pat = await connectRawWs(a.url);
    let again: TestClient | undefined;
    try {
      await watcher.hello({ nick: 'watcher' });
      const welcome = await pat.hello({ nick: 'pat' });
      await watcher.request({ type: 'join', room: 'r' });
      const joined = await pat.request({ type: 'join', room: 'r' });
      await watcher.request({ type: 'say', room: 'r', text: 'seen' });
      await pat.waitCount((f) => f.type === 'message', 1);
      const cursor = { epoch: joined.epoch, seq: (pat.messages('r').at(-1) as Frame).seq };
      await watcher.request({ type: 'say', room: 'r', text: 'missed' });
      const presenceBefore = watcher.frames.filter((f) => f.type === 'presence').length;
      again = await connectEngine(b.url, 'websocket');
      const resumed = await again.hello({
        nick: 'pat',
        resume: { session: welcome.session, rooms: { r: cursor } },
      });
      expect(resumed).toMatchObject({ session: welcome.session, nick: 'pat' });
      await again.next('resumed');
      expect(again.messages('r').map((m) => m.text)).toEqual(['missed']);
      await pat.waitClosed();
      expect(pat.frames.find((f) => f.type === 'bye')).toMatchObject({ code: 'kicked' });
      await watcher.request({ type: 'say', room: 'r', text: 'after' });
      await again.waitFor((f) => f.type === 'message' && f.text === 'after');
      expect(watcher.frames.filter((f) => f.type === 'presence').length).toBe(presenceBefore);
      expect((await watcher.request({ type: 'who', room: 'r' })).members).toEqual(['watcher', 'pat']);
    } finally {
      watcher.close();
      again?.close();
    }
  });
});
