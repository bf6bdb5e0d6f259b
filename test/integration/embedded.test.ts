import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmbeddedApp } from '../../docs/examples/embedded.js';
import { connectEngine } from '../helpers/client.js';

// docs/examples/embedded.ts: the plugin under /chat next to the host's own routes and error format.

const TOKEN = 'embedded-token-1';
let app: FastifyInstance;
let url: string;

beforeAll(async () => {
  app = await buildEmbeddedApp({ apiToken: TOKEN, allowedOrigins: ['http://allowed.example'] });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await app?.close();
});

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
    body,
  });

describe('the plugin embedded under a prefix (docs/examples/embedded.ts)', () => {
  it('serves its routes under the prefix and leaves the host its own routes and formats', async () => {
    expect(await (await fetch(`${url}/hello`)).json()).toEqual({ ok: true, hello: 'world' });
    expect(await (await fetch(`${url}/chat/healthz`)).json()).toMatchObject({ status: 'ok' });
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    expect(await (await fetch(`${url}/chat/api/rooms`, auth)).json()).toEqual({ rooms: [] });
    expect((await fetch(`${url}/healthz`)).status).toBe(404);

    const boom = await fetch(`${url}/boom`);
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ ok: false, error: 'the host failed' });
    expect(await (await fetch(`${url}/nothing`)).json()).toEqual({ ok: false, error: 'nothing here' });
  });

  it('answers its own errors as {statusCode, code, message}', async () => {
    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const badRoom = await fetch(`${url}/chat/api/rooms/bad%20room/messages`, auth);
    expect(badRoom.status).toBe(400);
    expect(await badRoom.json()).toMatchObject({ statusCode: 400, code: 'invalid_room' });
    const badQuery = await fetch(`${url}/chat/api/rooms/lobby/messages?limit=9999`, auth);
    expect(await badQuery.json()).toMatchObject({ statusCode: 400, code: 'bad_request' });
    for (const path of ['/chat/api/nope', '/chat/nope']) {
      const missing = await fetch(`${url}${path}`);
      expect(missing.status, path).toBe(404);
      expect(await missing.json(), path).toMatchObject({ statusCode: 404, code: 'not_found' });
    }
    const huge = await post(
      '/chat/api/rooms/lobby/messages',
      JSON.stringify({ from: 'x', text: 'y'.repeat(70_000) }),
    );
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringContaining('65536'),
    });
  });

  it('says the real port after listen, and relays REST posts to the transports at their usual paths', async () => {
    const { port } = app.server.address() as { port: number };
    expect(app.switchboard.address()).toEqual({ host: '127.0.0.1', port });
    expect(app.switchboard.config.port).toBe(port);

    const reader = await connectEngine(url, 'websocket');
    await reader.hello({ nick: 'reader' });
    await reader.request({ type: 'join', room: 'lobby' });
    const res = await post('/chat/api/rooms/lobby/messages', JSON.stringify({ from: 'app', text: 'hi' }));
    expect(res.status).toBe(201);
    expect(await reader.next('message')).toMatchObject({ from: 'app', text: 'hi' });
    reader.close();
  });

  it('answers CORS for the allowed origins on its API only', async () => {
    const allowed = await fetch(`${url}/chat/api/rooms`, { headers: { origin: 'http://allowed.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://allowed.example');
    const other = await fetch(`${url}/chat/api/rooms`, { headers: { origin: 'http://other.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${url}/chat/api/rooms/lobby/messages`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://allowed.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.status).toBeLessThan(300);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const host = await fetch(`${url}/hello`, { headers: { origin: 'http://allowed.example' } });
    expect(host.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("runs the app's hooks: refuses a say with its reason, tidies one, answers dice, keeps ops to staff", async () => {
    const ann = await connectEngine(url, 'websocket');
    const bob = await connectEngine(url, 'polling');
    try {
      await ann.hello({ nick: 'ann' });
      await bob.hello({ nick: 'bob' });
      await ann.request({ type: 'join', room: 'lobby' });
      await bob.request({ type: 'join', room: 'lobby' });
      expect(await ann.request({ type: 'say', room: 'lobby', text: 'buy spam now' })).toMatchObject({
        type: 'error',
        code: 'refused',
        reason: 'banned_word',
        message: 'That word is not allowed here.',
      });
      expect(await ann.request({ type: 'say', room: 'lobby', text: '  hello  ' })).toMatchObject({
        type: 'ack',
      });
      expect(await bob.next('message')).toMatchObject({ from: 'ann', text: 'hello' });
      const dice = await ann.request({ type: 'emit', room: 'lobby', event: 'dice', data: { sides: 20 } });
      expect(dice).toMatchObject({ type: 'ack', reply: { rolled: expect.any(Number) } });
      expect((dice.reply as { rolled: number }).rolled).toBeGreaterThanOrEqual(1);
      expect((dice.reply as { rolled: number }).rolled).toBeLessThanOrEqual(20);
      // Other events are relayed as ever, and dice never was.
      await ann.request({ type: 'emit', room: 'lobby', event: 'typing', data: true });
      expect(await bob.next('event')).toMatchObject({ event: 'typing', from: 'ann' });
      expect(bob.frames.some((f) => f.type === 'event' && f.event === 'dice')).toBe(false);
      expect(await ann.request({ type: 'join', room: 'ops' })).toMatchObject({
        code: 'refused',
        reason: 'staff_only',
      });
      expect((await ann.request({ type: 'leave', room: 'ops' })).code).toBe('not_in_room');
      const staff = await connectEngine(url, 'websocket');
      await staff.hello({ nick: 'staff-zoe' });
      expect(await staff.request({ type: 'join', room: 'ops' })).toMatchObject({ type: 'ack' });
      staff.close();
    } finally {
      ann.close();
      bob.close();
    }
  });

  it('lets server code say and emit to a room from its own route', async () => {
    const reader = await connectEngine(url, 'websocket');
    try {
      await reader.hello({ nick: 'listener' });
      await reader.request({ type: 'join', room: 'lobby' });
      const res = await fetch(`${url}/announce`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'release at noon' }),
      });
      const { seq } = (await res.json()) as { seq: number };
      expect(await reader.next('message')).toMatchObject({
        from: 'news',
        text: 'release at noon',
        bot: true,
        seq,
      });
      expect(await reader.next('event')).toMatchObject({ event: 'banner', data: { seq }, from: 'server' });
    } finally {
      reader.close();
    }
  });
});
