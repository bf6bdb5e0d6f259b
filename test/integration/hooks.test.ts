import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { connect as connectNode } from '../../src/client/node-client.js';
import type { Hooks } from '../../src/ports/hooks.js';
import { connectEngine, connectRawWs, connectTcp, type TestClient } from '../helpers/client.js';
import { freePort } from '../helpers/ports.js';
import { startServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Two members of `room` on a server: the sender over raw WebSocket, a reader over TCP. */
async function pair(url: string, tcpPort: number, room = 'r'): Promise<[TestClient, TestClient]> {
  const sender = await connectRawWs(url);
  const reader = await connectTcp(tcpPort);
  await sender.hello({ nick: 'sender' });
  await reader.hello({ nick: 'reader' });
  await sender.request({ type: 'join', room });
  await reader.request({ type: 'join', room });
  return [sender, reader];
}

const tcp = { transports: ['engineio', 'rawws', 'sse', 'tcp'] };

describe('server hooks (in process)', () => {
  it("keeps a connection's requests in order whatever each hook's latency", async () => {
    // The first say waits longest: without the hold, later ones would be stored before it.
    const hooks: Hooks = { say: async ({ text }) => void (await sleep(text === 'first' ? 150 : 1)) };
    await using server = await startServer(tcp, { hooks });
    const [sender, reader] = await pair(server.url, server.tcpPort);
    try {
      const texts = ['first', 'second', 'third', 'fourth'];
      for (const [i, text] of texts.entries()) sender.send({ type: 'say', room: 'r', text, id: 10 + i });
      // A leave behind the says waits too, so every say is still in the room.
      sender.send({ type: 'leave', room: 'r', id: 20 });
      await reader.waitCount((f) => f.type === 'message', 4);
      expect(reader.messages('r').map((m) => m.text)).toEqual(texts);
      // Every say was stored while the sender was still a member, so each is acked with its seq.
      const acks = await sender.waitCount((f) => f.type === 'ack' && (f.id as number) >= 10, 5);
      expect(acks.filter((a) => a.id !== 20).map((a) => a.seq)).toEqual([1, 2, 3, 4]);
    } finally {
      sender.close();
      reader.close();
    }
  });

  it('answers internal when a hook throws, and goes on serving', async () => {
    const errors: unknown[] = [];
    const hooks: Hooks = {
      say: ({ text }) => {
        if (text === 'boom') throw new Error('application bug');
        return text === 'bad rewrite' ? { action: 'rewrite', text: '' } : undefined;
      },
    };
    await using server = await startServer(tcp, { hooks });
    server.app.log.error = ((obj: unknown) => errors.push(obj)) as typeof server.app.log.error;
    const [sender, reader] = await pair(server.url, server.tcpPort);
    try {
      expect(await sender.request({ type: 'say', room: 'r', text: 'boom' })).toMatchObject({
        code: 'internal',
      });
      expect(await sender.request({ type: 'say', room: 'r', text: 'bad rewrite' })).toMatchObject({
        code: 'internal',
      });
      expect(await sender.request({ type: 'say', room: 'r', text: 'fine' })).toMatchObject({
        type: 'ack',
        seq: 1,
      });
      expect((await reader.next('message')).text).toBe('fine');
    } finally {
      sender.close();
      reader.close();
    }
  });

  it('rewrites emit data, and relays events named like Object.prototype members as ordinary events', async () => {
    const hooks: Hooks = {
      emit: ({ data }) => ({ action: 'rewrite', data: { wrapped: data } }),
      events: { echo: ({ data, sender }) => ({ echoed: data, by: sender.nick }) },
    };
    await using server = await startServer(tcp, { hooks });
    const [sender, reader] = await pair(server.url, server.tcpPort);
    try {
      expect(await sender.request({ type: 'emit', room: 'r', event: 'echo', data: [1, 2] })).toMatchObject({
        reply: { echoed: [1, 2], by: 'sender' },
      });
      for (const event of ['constructor', '__proto__', 'toString']) {
        expect(await sender.request({ type: 'emit', room: 'r', event, data: 1 })).toMatchObject({
          type: 'ack',
        });
        expect(await reader.next('event')).toMatchObject({ event, data: { wrapped: 1 } });
      }
      // A hook sees only members' requests: not in the room is answered before any hook.
      expect(await sender.request({ type: 'emit', room: 'elsewhere', event: 'echo' })).toMatchObject({
        code: 'not_in_room',
      });
    } finally {
      sender.close();
      reader.close();
    }
  });
});

/** A backend that answers HOOK_URL calls with `answer(body)`, after `delayMs`; records each call. */
async function backend(answer: (body: Record<string, unknown>) => unknown, delayMs = 0) {
  const calls: { body: Record<string, unknown>; auth: string | undefined; hook: string | undefined }[] = [];
  const app: FastifyInstance = Fastify();
  app.post('/hook', async (request) => {
    const body = request.body as Record<string, unknown>;
    calls.push({
      body,
      auth: request.headers.authorization,
      hook: request.headers['x-switchboard-hook'] as string | undefined,
    });
    if (delayMs > 0) await sleep(delayMs);
    return answer(body);
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { app, calls, url: `http://127.0.0.1:${port}/hook`, [Symbol.asyncDispose]: () => app.close() };
}

describe('HOOK_URL (the hooks as HTTP calls, for switchboard serve)', () => {
  it('asks the backend about says and answers its events, with the token, and applies its verdicts', async () => {
    await using hook = await backend((body) => {
      if (body.hook === 'event') return { reply: { pong: body.data } };
      if (body.hook === 'say' && body.text === 'no') return { action: 'refuse', reason: 'nope' };
      if (body.hook === 'say') return { action: 'rewrite', text: String(body.text).toUpperCase() };
      return { action: 'allow' };
    });
    await using server = await startServer({
      ...tcp,
      hookUrl: hook.url,
      hookOn: ['say'],
      hookEvents: ['ping-backend'],
      hookToken: 'gateway-secret',
    });
    const [sender, reader] = await pair(server.url, server.tcpPort);
    try {
      expect(await sender.request({ type: 'say', room: 'r', text: 'no' })).toMatchObject({
        code: 'refused',
        reason: 'nope',
      });
      await sender.request({ type: 'say', room: 'r', text: 'quiet please' });
      expect((await reader.next('message')).text).toBe('QUIET PLEASE');
      expect(
        await sender.request({ type: 'emit', room: 'r', event: 'ping-backend', data: { n: 1 } }),
      ).toMatchObject({ reply: { pong: { n: 1 } } });
      // emit is not in HOOK_ON: relayed without a call.
      await sender.request({ type: 'emit', room: 'r', event: 'typing' });
      expect(await reader.next('event')).toMatchObject({ event: 'typing' });
      expect(hook.calls.map((c) => c.hook)).toEqual(['say', 'say', 'event']);
      expect(hook.calls.every((c) => c.auth === 'Bearer gateway-secret')).toBe(true);
      expect(hook.calls[1]?.body).toMatchObject({
        hook: 'say',
        ns: '/',
        room: 'r',
        text: 'quiet please',
        sender: { nick: 'sender', transport: 'rawws', session: expect.stringMatching(/^s_/) },
      });
    } finally {
      sender.close();
      reader.close();
    }
  });

  it('fails closed with hook_unavailable when the backend is down, too slow, or answers badly', async () => {
    await using slow = await backend(() => ({ action: 'allow' }), 500);
    await using bad = await backend(() => [1, 2]);
    await using garbled = await backend(() => 'not json at all');
    const down = `http://127.0.0.1:${await freePort()}/hook`;
    for (const [hookUrl, why] of [
      [down, 'could not be reached'],
      [slow.url, 'did not answer in 100 ms'],
      [bad.url, 'did not answer a JSON object'],
      [garbled.url, 'did not answer JSON'],
    ] as const) {
      await using server = await startServer({ hookUrl, hookOn: ['join'], hookTimeoutMs: 100 });
      const client = await connectEngine(server.url, 'websocket');
      try {
        await client.hello({ nick: 'x' });
        const refused = await client.request({ type: 'join', room: 'r' });
        expect(refused, hookUrl).toMatchObject({ type: 'error', code: 'hook_unavailable' });
        expect(refused.message as string).toContain(why);
        // The connection is fine: requests without a hook still work.
        expect(await client.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
      } finally {
        client.close();
      }
    }
  });

  it("resolves the Node client's emit with a server handler's reply", async () => {
    const hooks: Hooks = { events: { sum: ({ data }) => (data as number[]).reduce((a, b) => a + b, 0) } };
    await using server = await startServer({}, { hooks });
    const client = connectNode(server.url, { nick: 'adder' });
    try {
      await client.opened();
      await client.join('r');
      expect(await client.emit('r', 'sum', [1, 2, 3])).toBe(6);
      expect(await client.emit('r', 'plain', null)).toBeUndefined();
    } finally {
      client.close();
    }
  });
});
