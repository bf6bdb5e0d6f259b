import { describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/sign.js';
import type { History } from '../../src/history/history.js';
import { MemoryHistory } from '../../src/history/memory.js';
import { ERROR_CODES } from '../../src/protocol/errors.js';
import type { RawPeer } from '../helpers/adversary.js';
import { bystanders } from '../helpers/bystanders.js';
import { type ClientKind, connectEngine } from '../helpers/client.js';
import {
  ENGINE_POLLING,
  ENGINE_WEBSOCKET,
  type HandshakeAnswer,
  httpHandshake,
  wsHandshake,
} from '../helpers/handshake.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** A quiet pair in room "calm", one over engine.io WebSocket and one over polling. */
const calmPair = (server: TestServer) =>
  bystanders(
    server,
    () => connectEngine(server.url, 'websocket'),
    () => connectEngine(server.url, 'polling'),
  );

const seen = new Set<string>();
function expectError(frame: { type: string; code?: unknown }, code: keyof typeof ERROR_CODES): void {
  expect(frame).toMatchObject({ type: 'error', code, message: expect.any(String) });
  seen.add(code);
}

describe.each<ClientKind>(['websocket', 'polling'])('bad input over engine.io %s', (kind) => {
  it('answers each bad frame with its stable code, keeps the connection, and harms nobody', async () => {
    await using server = await startServer({ maxFrameBytes: 4096 });
    const calm = await calmPair(server);
    const bad = await connectEngine(server.url, kind);

    bad.send({ type: 'join', room: 'x', id: 1 });
    expectError(await bad.next('error'), 'hello_required');
    expect((await bad.hello({ nick: 'bad' })).type).toBe('welcome');
    bad.send('this is not json');
    expectError(await bad.next('error'), 'bad_frame');
    bad.send('{"no":"type"}');
    expectError(await bad.next('error'), 'bad_frame');
    const wrongType = await bad.request({ type: 'say', room: 'calm', text: 42 });
    expectError(wrongType, 'bad_frame');
    expect(String(wrongType.message)).toContain('/text');
    expectError(await bad.request({ type: 'teleport' }), 'unknown_type');
    expectError(await bad.request({ type: 'join', room: 'no spaces allowed' }), 'invalid_room');
    expectError(await bad.request({ type: 'nick', nick: '\u0000\u0001' }), 'invalid_nick');
    expectError(await bad.request({ type: 'say', room: 'calm', text: 'not joined' }), 'not_in_room');
    await bad.request({ type: 'join', room: 'calm' });
    expectError(await bad.request({ type: 'say', room: 'calm', text: '' }), 'invalid_text');
    expectError(await bad.request({ type: 'say', room: 'calm', text: 'x'.repeat(5000) }), 'frame_too_large');
    expect(bad.closed).toBe(false);
    expect(await bad.request({ type: 'say', room: 'calm', text: 'bad recovered' })).toMatchObject({
      type: 'ack',
    });
    await calm.stillFine();
    bad.close();
    calm.close();
  });

  it('drops frames past the rate limit with rate_limited, then closes a flooder with bye', async () => {
    await using server = await startServer({ ratePerSec: 5, rateBurst: 10 });
    const calm = await calmPair(server);
    const flooder = await connectEngine(server.url, kind);
    await flooder.hello({ nick: 'flood' });
    for (let i = 1; i <= 40; i++) flooder.send({ type: 'ping', id: i });
    expectError(await flooder.waitFor((f) => f.type === 'error', 'rate_limited'), 'rate_limited');
    await flooder.waitFor((f) => f.type === 'bye', 'bye');
    expect(flooder.frames.find((f) => f.type === 'bye')).toMatchObject({ code: 'rate_limited' });
    await flooder.waitClosed();
    await calm.stillFine();
    calm.close();
  });

  it('refuses a hello without a valid token (unauthorized) and a failing auth hook (internal)', async () => {
    await using server = await startServer(
      {},
      {
        authenticate: ({ token }) => {
          if (token === 'boom') throw new Error('auth backend down');
          return token === 'letmein'
            ? { ok: true, identity: { subject: 'ok' } }
            : { ok: false, code: 'unauthorized', message: 'No.' };
        },
      },
    );
    const good = await connectEngine(server.url, kind);
    expect(await good.hello({ nick: 'ok', token: 'letmein' })).toMatchObject({ type: 'welcome', nick: 'ok' });
    const refused = await connectEngine(server.url, kind);
    refused.send({ type: 'hello', token: 'wrong', id: 1 });
    expectError(await refused.next('error'), 'unauthorized');
    expect(await refused.next('bye')).toMatchObject({ code: 'kicked' });
    await refused.waitClosed();
    const broken = await connectEngine(server.url, kind);
    broken.send({ type: 'hello', token: 'boom', id: 1 });
    expectError(await broken.next('error'), 'internal');
    await broken.waitClosed();
    expect(await good.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    good.close();
  });

  it('with AUTH_SECRET: token_expired for an expired refresh, forbidden_room outside the token', async () => {
    const secret = 'errors-test-secret-of-32-bytes-or-more';
    await using server = await startServer({ authSecret: secret });
    const exp = Math.floor(Date.now() / 1000) + 600;
    const c = await connectEngine(server.url, kind);
    await c.hello({ token: await signToken(secret, { sub: 'u', exp, rooms: ['lobby'] }) });
    expectError(await c.request({ type: 'join', room: 'vault' }), 'forbidden_room');
    const stale = await signToken(secret, { sub: 'u', exp: exp - 1200 });
    expectError(await c.request({ type: 'refresh', token: stale }), 'token_expired');
    expect(await c.request({ type: 'join', room: 'lobby' })).toMatchObject({ type: 'ack' });
    c.close();
  });

  it('refuses at the handshake, before a session: a foreign Origin (403), an address at its cap (429), a full server (503)', async () => {
    const path = kind === 'polling' ? ENGINE_POLLING : ENGINE_WEBSOCKET;
    const knock = (
      port: number,
      headers: Record<string, string> = {},
    ): Promise<HandshakeAnswer & { peer?: RawPeer }> =>
      kind === 'polling' ? httpHandshake(port, path, headers) : wsHandshake(port, path, headers);
    const refused = async (
      server: TestServer,
      status: number,
      code: keyof typeof ERROR_CODES,
      origin?: string,
    ) => {
      const before = server.app.switchboard.hub.sessions.size;
      const answer = await knock(server.port, origin === undefined ? {} : { origin });
      expect(answer).toMatchObject({ status, code });
      expect(server.app.switchboard.hub.sessions.size).toBe(before);
      seen.add(code);
    };
    {
      await using server = await startServer({ allowedOrigins: ['https://chat.example'] });
      const allowed = await connectEngine(server.url, kind, { origin: 'https://chat.example' });
      expect((await allowed.hello()).type).toBe('welcome');
      await refused(server, 403, 'forbidden_origin', 'https://evil.example');
      expect(await allowed.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
      allowed.close();
    }
    {
      await using server = await startServer({ maxConnectionsPerIp: 1 });
      const first = await knock(server.port);
      expect(first.status).toBe(kind === 'polling' ? 200 : 101);
      await refused(server, 429, 'too_many_connections');
      first.peer?.close();
    }
    {
      await using server = await startServer({ maxConnections: 2 });
      const calm = await calmPair(server);
      await refused(server, 503, 'server_full');
      await calm.stillFine();
      calm.close();
    }
  });

  it('answers a refusing hook with refused and its reason, an unreachable HOOK_URL with hook_unavailable', async () => {
    await using server = await startServer(
      {},
      {
        hooks: {
          join: ({ room }) => (room === 'vault' ? { action: 'refuse', reason: 'members_only' } : undefined),
        },
      },
    );
    const c = await connectEngine(server.url, kind);
    await c.hello({ nick: 'hooked' });
    const refusal = await c.request({ type: 'join', room: 'vault' });
    expectError(refusal, 'refused');
    expect(refusal).toMatchObject({ reason: 'members_only' });
    expect(await c.request({ type: 'join', room: 'open' })).toMatchObject({ type: 'ack' });
    c.close();

    // A port that was listening a moment ago and is closed now: the hook backend is down.
    const gone = await startServer();
    const deadUrl = `${gone.url}/hook`;
    await gone[Symbol.asyncDispose]();
    await using failing = await startServer({ hookUrl: deadUrl, hookOn: ['join'], hookTimeoutMs: 500 });
    const d = await connectEngine(failing.url, kind);
    await d.hello({ nick: 'closed' });
    expectError(await d.request({ type: 'join', room: 'lobby' }), 'hook_unavailable');
    expect(await d.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    d.close();
  });

  it('reports a history backend failure as history_unavailable and keeps serving', async () => {
    const memory = new MemoryHistory({ newEpoch: () => 'e1' });
    let down = false;
    // A history whose backend can be taken down, the way a remote store fails under a live server.
    const flaky: History = {
      append: (...a) => (down ? Promise.reject(new Error('backend down')) : memory.append(...a)),
      info: (...a) => (down ? Promise.reject(new Error('backend down')) : memory.info(...a)),
      range: (...a) => (down ? Promise.reject(new Error('backend down')) : memory.range(...a)),
      close: () => memory.close(),
    };
    await using server = await startServer({}, { history: flaky });
    const c = await connectEngine(server.url, kind);
    await c.hello();
    await c.request({ type: 'join', room: 'r' });
    down = true;
    expectError(await c.request({ type: 'say', room: 'r', text: 'lost?' }), 'history_unavailable');
    expectError(await c.request({ type: 'history', room: 'r' }), 'history_unavailable');
    const resumer = await connectEngine(server.url, kind);
    resumer.send({
      type: 'hello',
      resume: { session: 's_resumedduringoutage', rooms: { r: { epoch: 'e1', seq: 0 } } },
    });
    expectError(await resumer.next('error'), 'history_unavailable');
    expect(await resumer.next('resumed')).toMatchObject({ rooms: {} });
    down = false;
    expect(await c.request({ type: 'say', room: 'r', text: 'back' })).toMatchObject({ type: 'ack', seq: 1 });
    // The failed resume left no half-joined membership behind: only the first client is in the room.
    expect(await resumer.request({ type: 'who', room: 'r' })).toMatchObject({
      members: [expect.any(String)],
    });
    expect(await resumer.request({ type: 'join', room: 'r' })).toMatchObject({ type: 'ack', seq: 1 });
    c.close();
    resumer.close();
  });
});

describe.each<ClientKind>(['websocket', 'polling'])('structure limits over engine.io %s', (kind) => {
  it('answers too_many_rooms, room_full and server_full, and the connection goes on', async () => {
    await using server = await startServer({ maxRoomsPerSession: 1, maxMembersPerRoom: 2, maxRooms: 2 });
    const calm = await calmPair(server);
    const [a, b, c] = await Promise.all([1, 2, 3].map(() => connectEngine(server.url, kind)));
    for (const [i, x] of [a, b, c].entries()) await x?.hello({ nick: `n${i}` });
    if (!a || !b || !c) throw new Error('not connected');
    expect(await a.request({ type: 'join', room: 'mine' })).toMatchObject({ type: 'ack' });
    expect(await b.request({ type: 'join', room: 'mine' })).toMatchObject({ type: 'ack' });
    expectError(await a.request({ type: 'join', room: 'second' }), 'too_many_rooms');
    expectError(await c.request({ type: 'join', room: 'mine' }), 'room_full');
    // calm and mine are the two rooms the process may hold, both busy.
    expectError(await c.request({ type: 'join', room: 'third' }), 'server_full');
    expect(await a.request({ type: 'say', room: 'mine', text: 'fine' })).toMatchObject({
      type: 'ack',
      seq: 1,
    });
    await calm.stillFine();
    for (const x of [a, b, c]) x.close();
  });
});

describe('error registry coverage', () => {
  it('exercised every error code of the protocol through a real transport', () => {
    expect([...seen].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });
});
