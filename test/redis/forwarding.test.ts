import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { connectEngine, connectRawWs, type TestClient } from '../helpers/client.js';
import { startHaproxy } from '../helpers/haproxy.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { startServer, type TestServer } from '../helpers/server.js';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const node = (nodeId: string) => startServer({ redisUrl: redis.url, nodeId });

/** One engine.io polling request, answered as text. */
async function poll(base: string, query: string, body?: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`${base}/engine.io/?EIO=4&transport=polling${query}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'text/plain;charset=UTF-8' } }),
  });
  return { status: res.status, text: await res.text() };
}

/** The engine.io message packets (type 4) of a polling answer, parsed as protocol frames. */
const frames = (payload: string) =>
  payload
    .split('\u001e')
    .filter((p) => p.startsWith('4'))
    .map((p) => JSON.parse(p.slice(1)) as Record<string, unknown>);

describe('no sticky sessions: polling requests reach the node that owns the session', () => {
  it("serves a session's GETs and POSTs on another node by forwarding them, and answers Session ID unknown once the owner is gone", async () => {
    const a = await node('node-a');
    await using b = await node('node-b');
    const open = await poll(a.url, '');
    expect(open.status).toBe(200);
    const { sid } = JSON.parse(open.text.slice(1)) as { sid: string };
    // The session id names its owner, so any node knows where it lives.
    expect(sid.startsWith('node-a.')).toBe(true);
    expect(await poll(b.url, `&sid=${sid}`, `4${JSON.stringify({ type: 'hello', nick: 'far' })}`)).toEqual({
      status: 200,
      text: 'ok',
    });
    let seen: Record<string, unknown>[] = [];
    await vi.waitFor(
      async () => {
        const answer = await poll(b.url, `&sid=${sid}`);
        expect(answer.status).toBe(200);
        seen = [...seen, ...frames(answer.text)];
        expect(seen.some((f) => f.type === 'welcome')).toBe(true);
      },
      { timeout: 10_000 },
    );
    expect(seen.find((f) => f.type === 'welcome')).toMatchObject({ nick: 'far' });
    // The upgrade of that session, sent to node b, is tunnelled to node a: the probe is answered.
    const ws = new WebSocket(
      `${b.url.replace('http', 'ws')}/engine.io/?EIO=4&transport=websocket&sid=${sid}`,
    );
    await once(ws, 'open');
    const probe = once(ws, 'message');
    ws.send('2probe');
    expect(String((await probe)[0])).toBe('3probe');
    ws.close();
    await a.close();
    const gone = await poll(b.url, `&sid=${sid}`);
    expect(gone.status).toBe(400);
    expect(JSON.parse(gone.text)).toEqual({ code: 1, message: 'Session ID unknown' });
    // A session id naming no node at all is engine.io's own unknown session, on every node.
    expect((await poll(b.url, '&sid=nobody.xyz')).status).toBe(400);
    // Another client of node b is not harmed by any of it.
    const other = await connectRawWs(b.url);
    await other.hello({ nick: 'near' });
    expect(await other.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    other.close();
  });

  it('three nodes behind round-robin haproxy: polling, upgraded, engine.io WebSocket and raw WebSocket clients chat in one order', async () => {
    const nodes: TestServer[] = [];
    for (const id of ['n1', 'n2', 'n3']) nodes.push(await node(id));
    const lb = await startHaproxy(nodes.map((n) => n.port));
    const clients: TestClient[] = [];
    try {
      clients.push(await connectEngine(lb.url, 'polling'));
      clients.push(await connectEngine(lb.url, 'polling'));
      clients.push(await connectEngine(lb.url, 'upgrade'));
      clients.push(await connectEngine(lb.url, 'websocket'));
      clients.push(await connectRawWs(lb.url));
      clients.push(await connectRawWs(lb.url));
      for (const [i, c] of clients.entries()) {
        await c.hello({ nick: `m${i}` });
        expect(await c.request({ type: 'join', room: 'all' })).toMatchObject({ type: 'ack' });
      }
      const who = await (clients[0] as TestClient).request({ type: 'who', room: 'all' });
      expect((who.members as string[]).sort()).toEqual(clients.map((_, i) => `m${i}`).sort());
      const total = 60;
      for (let i = 0; i < total; i++) {
        const sender = clients[i % clients.length] as TestClient;
        sender.send({ type: 'say', room: 'all', text: `t${i}`, id: 1000 + i });
      }
      const expected = Array.from({ length: total }, (_, i) => i + 1);
      for (const c of clients) {
        await c.waitCount((f) => f.type === 'message' && f.room === 'all', total, 30_000);
        expect(c.messages('all').map((m) => m.seq)).toEqual(expected);
        expect(c.messages('all').map((m) => m.text)).toEqual(clients[0]?.messages('all').map((m) => m.text));
      }
      // The upgraded client's WebSocket reached its owner through whichever node haproxy picked.
      await vi.waitFor(() => expect(clients[2]?.wire.transport()).toBe('websocket'), { timeout: 10_000 });
      // No client was ever told "Session ID unknown": each is still on its first connection.
      for (const c of clients) expect(c.closed).toBe(false);
      expect(clients.some((c) => c.raw.some((f) => f.type === 'bye'))).toBe(false);
    } finally {
      for (const c of clients) c.close();
      await lb.stop();
      for (const n of nodes) await n.close();
    }
  }, 60_000);
});
