import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertStillChats, RawPeer, rawHttp, startHostile } from '../helpers/adversary.js';
import type { TestServer } from '../helpers/server.js';

// engine.io takes its requests before Fastify's hooks and parsers: every trick here must end in an answer.
let server: TestServer;
beforeAll(async () => {
  server = await startHostile();
});
afterAll(() => server.close());

async function handshake(): Promise<string> {
  const res = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling`);
  const text = await res.text();
  return (JSON.parse(text.slice(1)) as { sid: string }).sid;
}

describe('engine.io query tricks', () => {
  for (const [name, query] of [
    ['transport=__proto__', 'EIO=4&transport=__proto__'],
    ['transport=constructor', 'EIO=4&transport=constructor'],
    ['bad EIO', 'EIO=99&transport=polling'],
    ['EIO missing', 'transport=polling'],
    ['unknown sid', 'EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA'],
    ['sid=__proto__', 'EIO=4&transport=polling&sid=__proto__'],
  ] as const) {
    it(`refuses ${name} with a 4xx`, async () => {
      const res = await rawHttp(server.port, 'GET', `/engine.io/?${query}`);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      await assertStillChats(server);
    });
  }

  it('refuses a handshake by POST', async () => {
    const res = await rawHttp(server.port, 'POST', '/engine.io/?EIO=4&transport=polling', {}, '4hello');
    expect(res.status).toBeGreaterThanOrEqual(400);
    await assertStillChats(server);
  });
});

describe('polling POSTs', () => {
  it('a wrong content type is answered without harm', async () => {
    const sid = await handshake();
    const res = await rawHttp(
      server.port,
      'POST',
      `/engine.io/?EIO=4&transport=polling&sid=${sid}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'a=1&b=2',
    );
    expect(res.status).toBeGreaterThan(0);
    await assertStillChats(server);
  });

  it('an over-large POST is refused', async () => {
    const sid = await handshake();
    const body = `4${'x'.repeat(2 * 1024 * 1024)}`;
    const res = await rawHttp(
      server.port,
      'POST',
      `/engine.io/?EIO=4&transport=polling&sid=${sid}`,
      { 'Content-Type': 'text/plain;charset=UTF-8' },
      body,
    );
    expect(res.status === 0 || res.status >= 400).toBe(true);
    await assertStillChats(server);
  });

  it('an over-full POST (thousands of packets) ends in an answer', async () => {
    const sid = await handshake();
    const packets = Array.from({ length: 5000 }, () => '4{"type":"ping"}').join('\x1e');
    const res = await rawHttp(
      server.port,
      'POST',
      `/engine.io/?EIO=4&transport=polling&sid=${sid}`,
      { 'Content-Type': 'text/plain;charset=UTF-8' },
      packets,
    );
    expect(res.status).toBeGreaterThan(0);
    await assertStillChats(server);
  });

  it('two concurrent polls on one session: the second is refused', async () => {
    const sid = await handshake();
    const first = await RawPeer.open(server.port);
    first.write(
      `GET /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );
    const second = await rawHttp(server.port, 'GET', `/engine.io/?EIO=4&transport=polling&sid=${sid}`);
    expect(second.status).toBeGreaterThanOrEqual(400);
    first.close();
    await assertStillChats(server);
  });

  it('a client killed mid-POST does not wedge the server', async () => {
    const sid = await handshake();
    const peer = await RawPeer.open(server.port);
    peer.write(
      `POST /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n4{"type":"hel`,
    );
    peer.kill();
    await assertStillChats(server);
  });

  it('a polling session that asks for history and never reads its polls is cut as a slow consumer', async () => {
    const hub = server.app.switchboard.hub;
    // A room worth reading: 200 texts of 3,900 characters, said from server code.
    for (let i = 0; i < 200; i++) await hub.post('/', 'hoard', 'bot', `${i} ${'z'.repeat(3900)}`);
    const sid = await handshake();
    const requests = [
      { type: 'hello', nick: 'hoarder' },
      { type: 'join', room: 'hoard', id: 1 },
      ...Array.from({ length: 30 }, (_, i) => ({ type: 'history', room: 'hoard', limit: 200, id: 2 + i })),
    ];
    const post = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${sid}`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: requests.map((r) => `4${JSON.stringify(r)}`).join('\x1e'),
    });
    expect(post.status).toBe(200);
    // Polls whose answers are never read, a new one every 50 ms: wherever the answers wait (the hub's queue,
    // engine.io's, the polls' sockets), the session is cut at MAX_BUFFER_BYTES.
    const hoarder = () => [...hub.sessions].find((s) => s.nick === 'hoarder');
    const polls: RawPeer[] = [];
    for (let i = 0; i < 100 && hoarder(); i++) {
      const poll = await RawPeer.open(server.port);
      poll.socket.pause();
      poll.write(`GET /engine.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: x\r\n\r\n`);
      polls.push(poll);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(hoarder()).toBeUndefined();
    for (const poll of polls) poll.kill();
    await assertStillChats(server);
  });

  it('2,000 handshakes that never poll are each answered and cost the bystander nothing', async () => {
    let answered = 0;
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => rawHttp(server.port, 'GET', '/engine.io/?EIO=4&transport=polling')),
      );
      answered += results.filter((r) => r.status === 200 || r.status === 429 || r.status === 403).length;
    }
    expect(answered).toBe(2000);
    await assertStillChats(server);
  }, 90_000);
});
