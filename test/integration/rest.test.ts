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

    const rooms = await (await fetch(`${server.url}/api/rooms`)).json();
    expect(rooms).toEqual({ rooms: [{ room: 'news', members: 1, seq: 3 }] });
    const page = await (await fetch(`${server.url}/api/rooms/news/messages?before=3&limit=1`)).json();
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
    const badLimit = await fetch(`${server.url}/api/rooms/news/messages?limit=9999`);
    expect(await badLimit.json()).toMatchObject({ statusCode: 400, code: 'bad_request' });
    const huge = await post({ from: 'x', text: 'y'.repeat(70_000) });
    expect(huge.status).toBe(413);
    expect(await huge.json()).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
    const missing = await fetch(`${server.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ code: 'not_found' });
    reader.close();
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
