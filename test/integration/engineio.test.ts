import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientKind, connectEngine, type Frame, type TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const KINDS: ClientKind[] = ['websocket', 'polling', 'upgrade'];

describe('engine.io transport: WebSocket, polling and the upgrade path in one room', () => {
  let server: TestServer;
  const clients: Record<string, TestClient> = {};

  beforeAll(async () => {
    server = await startServer({ ratePerSec: 0 });
    for (const kind of KINDS) {
      const client = await connectEngine(server.url, kind);
      const welcome = await client.hello({ nick: kind });
      expect(welcome).toMatchObject({ v: 1, nick: kind, ns: '/', limits: { maxFrameBytes: 65536 } });
      clients[kind] = client;
    }
  });

  afterAll(async () => {
    for (const c of Object.values(clients)) c.close();
    await server.close();
  });

  it('tells each client the transport in use, and the upgraded one about the upgrade', async () => {
    expect(clients.websocket?.frames[0]).toMatchObject({ type: 'welcome', transport: 'websocket' });
    expect(clients.polling?.frames[0]).toMatchObject({ type: 'welcome', transport: 'polling' });
    expect(clients.upgrade?.frames[0]).toMatchObject({ type: 'welcome', transport: 'polling' });
    await clients.upgrade?.waitFor((f) => f.type === 'transport' && f.transport === 'websocket', 'upgrade');
    expect(clients.polling?.wire.transport()).toBe('polling');
  });

  it('shows every member the same messages in the same seq order, with presence, acks and emit', async () => {
    const [ws, poll, up] = KINDS.map((k) => clients[k] as TestClient) as [TestClient, TestClient, TestClient];
    const joinWs = await ws.request({ type: 'join', room: 'mix' });
    expect(joinWs).toMatchObject({ type: 'ack', members: ['websocket'], seq: 0, history: [] });
    expect(typeof joinWs.epoch).toBe('string');
    await poll.request({ type: 'join', room: 'mix' });
    const joinUp = await up.request({ type: 'join', room: 'mix' });
    expect(joinUp.members).toEqual(['websocket', 'polling', 'upgrade']);
    await ws.waitFor((f) => f.type === 'presence' && f.nick === 'upgrade' && f.members === 3, 'presence');
    await poll.waitFor((f) => f.type === 'presence' && f.nick === 'upgrade', 'presence');

    const acks = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        [ws, poll, up][i % 3]?.request({ type: 'say', room: 'mix', text: `t${i}` }),
      ),
    );
    for (const ack of acks)
      expect(ack).toMatchObject({ type: 'ack', seq: expect.any(Number), msgId: expect.any(String) });
    expect(new Set(acks.map((a) => a?.seq)).size).toBe(30);

    const orders = await Promise.all(
      [ws, poll, up].map(async (c) => {
        const got = await c.waitCount((f) => f.type === 'message' && f.room === 'mix', 30);
        return got.map((m) => `${m.seq}:${m.from}:${m.text}`);
      }),
    );
    expect(orders[0]?.map((o) => Number(o.split(':')[0]))).toEqual(
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    expect(orders[1]).toEqual(orders[0]);
    expect(orders[2]).toEqual(orders[0]);

    const emitAck = await up.request({ type: 'emit', room: 'mix', event: 'typing', data: { on: true } });
    expect(emitAck.type).toBe('ack');
    for (const c of [ws, poll]) {
      expect(await c.next('event')).toEqual({
        type: 'event',
        room: 'mix',
        event: 'typing',
        data: { on: true },
        from: 'upgrade',
      });
    }
    // The sender's own ping comes back after the emit: had the event reached it, it would be recorded by now.
    await up.request({ type: 'ping' });
    expect(up.frames.some((f) => f.type === 'event')).toBe(false);

    await poll.request({ type: 'leave', room: 'mix' });
    await ws.waitFor(
      (f) => f.type === 'presence' && f.event === 'leave' && f.nick === 'polling' && f.members === 2,
      'leave',
    );
    await up.waitFor((f) => f.type === 'presence' && f.event === 'leave' && f.nick === 'polling', 'leave');
  });

  it('answers who, history, nick and ping', async () => {
    const ws = clients.websocket as TestClient;
    expect(await ws.request({ type: 'who', room: 'mix' })).toMatchObject({
      members: ['websocket', 'upgrade'],
    });
    const page = await ws.request({ type: 'history', room: 'mix', before: 11, limit: 5 });
    expect((page.messages as Frame[]).map((m) => m.seq)).toEqual([6, 7, 8, 9, 10]);
    const latest = await ws.request({ type: 'history', room: 'mix' });
    expect((latest.messages as Frame[]).at(-1)).toMatchObject({ seq: 30 });
    expect(await ws.request({ type: 'nick', nick: 'polling' })).toMatchObject({
      type: 'ack',
      nick: 'polling-2',
    });
    const up = clients.upgrade as TestClient;
    await up.waitFor(
      (f) =>
        f.type === 'presence' && f.event === 'join' && f.nick === 'polling-2' && f.renamed === 'websocket',
      'rename',
    );
    const before = Date.now();
    const pong = await ws.request({ type: 'ping' });
    expect(pong.serverTime).toBeGreaterThanOrEqual(before - 1000);
  });
});
