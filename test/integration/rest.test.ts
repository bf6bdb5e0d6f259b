import { describe, expect, it } from 'vitest';
import { connectEngine } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

const TOKEN = 'test-token-123';

describe('REST API', () => {
  it('publishes as a named sender with the bearer token, lists rooms and pages history', async () => {
    await using server = await startServer({ apiToken: TOKEN });
    const reader = await connectEngine(server.url, 'websocket');
    await reader.hello({ nick: 'reader' });
    await reader.request({ type: 'join', room: 'news' });
    const post = (body: unknown, token = TOKEN, room = 'news') =>
      fetch(`${server.url}/api/rooms/${room}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
    for (let i = 1; i <= 3; i++) {
      const res = await post({ from: 'newsbot', text: `headline ${i}` });
      expect(res.status).toBe(201);
      expect((await res.json()).message).toMatchObject({ room: 'news', seq: i, from: 'newsbot' });
    }
    const live = await reader.waitCount((f) => f.type === 'message', 3);
    expect(live.map((m) => m.text)).toEqual(['headline 1', 'headline 2', 'headline 3']);

    const auth = { headers: { authorization: `Bearer ${TOKEN}` } };
    const rooms = await (await fetch(`${server.url}/api/rooms`, auth)).json();
    expect(rooms).toEqual({ rooms: [{ room: 'news', members: 1, seq: 3 }] });
    const page = await (await fetch(`${server.url}/api/rooms/news/messages?before=3&limit=1`, auth)).json();
    expect(page).toMatchObject({ room: 'news', seq: 3, messages: [{ seq: 2, text: 'headline 2' }] });
    expect(page.messages[0]).not.toHaveProperty('session');

    const wrong = await post({ from: 'x', text: 'y' }, 'not-the-token');
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 'unauthorized' });
    const badRoom = await post({ from: 'x', text: 'y' }, TOKEN, 'bad%20room');
    expect(await badRoom.json()).toMatchObject({ statusCode: 400, code: 'invalid_room' });
    const badBody = await post({ from: 'x' });
    expect(await badBody.json()).toMatchObject({ statusCode: 400, code: 'bad_request' });
    const emptyText = await post({ from: 'x', text: '' });
    expect(await emptyText.json()).toMatchObject({ statusCode: 400, code: 'invalid_text' });
    const badLimit = await fetch(`${server.url}/api/rooms/news/messages?limit=9999`, auth);
    expect(await badLimit.json()).toMatchObject({ statusCode: 400, code: 'bad_request' });
    const huge = await post({ from: 'x', text: 'y'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
    const missing = await fetch(`${server.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
    reader.close();
  });

  it('marks REST posts as bot messages, live, in the POST answer and in history', async () => {
    await using server = await startServer({ apiToken: TOKEN });
    const reader = await connectEngine(server.url, 'websocket');
    await reader.hello({ nick: 'reader' });
    await reader.request({ type: 'join', room: 'news' });
    await reader.request({ type: 'say', room: 'news', text: 'a person' });
    const res = await fetch(`${server.url}/api/rooms/news/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ from: 'carol', text: 'a bot' }),
    });
    expect((await res.json()).message).toMatchObject({ from: 'carol', bot: true });
    const [person, bot] = await reader.waitCount((f) => f.type === 'message', 2);
    expect(person).not.toHaveProperty('bot');
    expect(bot).toMatchObject({ from: 'carol', text: 'a bot', bot: true });
    const history = await (
      await fetch(`${server.url}/api/rooms/news/messages`, { headers: { authorization: `Bearer ${TOKEN}` } })
    ).json();
    expect(history.messages.map((m: { bot?: boolean }) => m.bot ?? false)).toEqual([false, true]);
    reader.close();
  });

  it('needs a token to read once API_TOKEN or an authentication hook is set', async () => {
    await using open = await startServer();
    expect((await fetch(`${open.url}/api/rooms`)).status).toBe(200);

    await using withToken = await startServer({ apiToken: TOKEN });
    for (const path of ['/api/rooms', '/api/rooms/news/messages']) {
      const refused = await fetch(`${withToken.url}${path}`);
      expect(refused.status, path).toBe(401);
      expect(await refused.json(), path).toMatchObject({ statusCode: 401, code: 'unauthorized' });
      const wrong = await fetch(`${withToken.url}${path}`, {
        headers: { authorization: 'Bearer wrong-token' },
      });
      expect(wrong.status, path).toBe(401);
      const ok = await fetch(`${withToken.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status, path).toBe(200);
    }

    const asked: unknown[] = [];
    await using withHook = await startServer(
      {},
      {
        authenticate: (request) => {
          asked.push(request);
          return request.token === 'reader-token' && request.ns === '/team'
            ? { ok: true, identity: { subject: 'reader' } }
            : { ok: false, code: 'unauthorized', message: 'Not a reader token.' };
        },
      },
    );
    expect((await fetch(`${withHook.url}/api/rooms?ns=/team`)).status).toBe(401);
    const read = (ns: string) =>
      fetch(`${withHook.url}/api/rooms/lobby/messages?ns=${encodeURIComponent(ns)}`, {
        headers: { authorization: 'Bearer reader-token' },
      });
    expect((await read('/team')).status).toBe(200);
    expect((await read('/')).status).toBe(401);
    expect(asked).toContainEqual({ token: 'reader-token', ns: '/team', nick: undefined });
  });

  it('posts, lists and reads in the namespace of ?ns=', async () => {
    await using server = await startServer({ apiToken: TOKEN });
    const member = await connectEngine(server.url, 'websocket');
    await member.hello({ nick: 'member', ns: '/team' });
    await member.request({ type: 'join', room: 'news' });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
    const res = await fetch(`${server.url}/api/rooms/news/messages?ns=/team`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ from: 'carol', text: 'team only' }),
    });
    expect(res.status).toBe(201);
    expect(await member.next('message')).toMatchObject({ text: 'team only' });
    const get = async (path: string) => (await fetch(`${server.url}${path}`, { headers })).json();
    expect(await get('/api/rooms?ns=/team')).toEqual({ rooms: [{ room: 'news', members: 1, seq: 1 }] });
    expect(await get('/api/rooms')).toEqual({ rooms: [] });
    expect((await get('/api/rooms/news/messages?ns=/team')).messages).toHaveLength(1);
    expect((await get('/api/rooms/news/messages')).messages).toHaveLength(0);
    expect(await get('/api/rooms?ns=no-slash')).toMatchObject({ statusCode: 400, code: 'bad_request' });
    member.close();
  });

  it('answers 415 without a JSON content type and names the limit in a 413', async () => {
    await using server = await startServer({ apiToken: TOKEN });
    const url = `${server.url}/api/rooms/news/messages`;
    const authorization = `Bearer ${TOKEN}`;
    const body = JSON.stringify({ from: 'x', text: 'y' });
    // fetch adds text/plain to a string body; a Uint8Array body goes without any content type.
    const missing = await fetch(url, {
      method: 'POST',
      headers: { authorization },
      body: new TextEncoder().encode(body),
    });
    expect(missing.status).toBe(415);
    expect(await missing.json()).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    const plain = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'text/plain' },
      body,
    });
    expect(plain.status).toBe(415);
    expect(await plain.json()).toMatchObject({ statusCode: 415, code: 'unsupported_media_type' });
    const huge = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ from: 'x', text: 'y'.repeat(70_000) }),
    });
    expect(huge.status).toBe(413);
    expect((await huge.json()).message).toBe(
      'The request body is larger than 65536 bytes (MAX_FRAME_BYTES).',
    );
  });

  it('refuses publishing when no API_TOKEN is configured', async () => {
    await using server = await startServer();
    const res = await fetch(`${server.url}/api/rooms/news/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer anything-at-all' },
      body: JSON.stringify({ from: 'x', text: 'y' }),
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ code: 'api_disabled' });
  });

  it('serves the chat page and its bundle', async () => {
    await using server = await startServer();
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Switchboard');
    const bundle = await fetch(`${server.url}/build/app.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toContain('javascript');
  });
});
