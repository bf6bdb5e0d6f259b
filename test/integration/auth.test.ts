import { describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/sign.js';
import { rawwsWire } from '../../src/client/wires/rawws.js';
import { connectEngine, connectRawWs, TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

// Real servers with AUTH_SECRET set and real HS256 tokens signed by signToken.

const SECRET = 'integration-secret-of-at-least-32-bytes!';
const OTHER_SECRET = 'another-secret-also-32-bytes-long-or-more';
const nowSec = () => Math.floor(Date.now() / 1000);

function token(
  claims: { sub: string; nick?: string; rooms?: string[]; expInSec?: number },
  secret = SECRET,
): Promise<string> {
  const { expInSec = 600, ...rest } = claims;
  return signToken(secret, { ...rest, exp: nowSec() + expInSec });
}

const authServer = (): Promise<TestServer> => startServer({ authSecret: SECRET });

async function refused(client: TestClient, code: string): Promise<void> {
  expect(await client.next('error')).toMatchObject({ code });
  await client.waitClosed();
}

describe('authentication with the built-in verifier (AUTH_SECRET)', () => {
  it('a valid token fixes the nick: hello asks for mallory, the welcome says the identity nick', async () => {
    await using server = await authServer();
    const c = await connectEngine(server.url, 'websocket');
    const welcome = await c.hello({ nick: 'mallory', token: await token({ sub: 'u1', nick: 'alice' }) });
    expect(welcome).toMatchObject({ type: 'welcome', nick: 'alice', expiresAt: expect.any(Number) });
    // A nick request cannot change a nick the identity fixed.
    expect(await c.request({ type: 'nick', nick: 'bob' })).toMatchObject({ type: 'ack', nick: 'alice' });
    c.close();
  });

  it('refuses a token signed with another secret, and a hello with no token (unauthorized)', async () => {
    await using server = await authServer();
    const forged = await connectEngine(server.url, 'websocket');
    forged.send({ type: 'hello', id: 1, token: await token({ sub: 'u1' }, OTHER_SECRET) });
    await refused(forged, 'unauthorized');
    const none = await connectRawWs(server.url);
    none.send({ type: 'hello', id: 1, nick: 'x' });
    await refused(none, 'unauthorized');
  });

  it('an expired token gets token_expired and bye token_expired', async () => {
    await using server = await authServer();
    const c = await connectEngine(server.url, 'websocket');
    c.send({ type: 'hello', id: 1, token: await token({ sub: 'u1', expInSec: -10 }) });
    expect(await c.next('error')).toMatchObject({ code: 'token_expired' });
    expect(await c.next('bye')).toMatchObject({ code: 'token_expired' });
    await c.waitClosed();
  });

  it('a join of a room the token does not allow is forbidden_room; allowed rooms join', async () => {
    await using server = await authServer();
    const c = await connectRawWs(server.url);
    await c.hello({ token: await token({ sub: 'u1', rooms: ['lobby', 'ops'] }) });
    expect(await c.request({ type: 'join', room: 'lobby' })).toMatchObject({ type: 'ack' });
    expect(await c.request({ type: 'join', room: 'secret' })).toMatchObject({
      type: 'error',
      code: 'forbidden_room',
    });
    expect(await c.request({ type: 'who', room: 'lobby' })).toMatchObject({ type: 'ack' });
    c.close();
  });

  it('a resume naming a forbidden room resumes the others and refuses that one', async () => {
    await using server = await authServer();
    const first = await connectRawWs(server.url);
    const welcome = await first.hello({ token: await token({ sub: 'u1' }) });
    const lobby = await first.request({ type: 'join', room: 'lobby' });
    first.close();
    const again = await connectRawWs(server.url);
    again.send({
      type: 'hello',
      id: 1,
      token: await token({ sub: 'u1', rooms: ['lobby'] }),
      resume: {
        session: welcome.session,
        rooms: { lobby: { epoch: lobby.epoch, seq: 0 }, secret: { epoch: lobby.epoch, seq: 0 } },
      },
    });
    expect(await again.next('error')).toMatchObject({ code: 'forbidden_room' });
    const resumed = await again.next('resumed');
    expect(Object.keys(resumed.rooms as object)).toEqual(['lobby']);
    expect(await again.request({ type: 'say', room: 'secret', text: 'hi' })).toMatchObject({
      code: 'not_in_room',
    });
    again.close();
  });

  it('an expired or forged token cannot resume a session', async () => {
    await using server = await authServer();
    const first = await connectEngine(server.url, 'websocket');
    const welcome = await first.hello({ token: await token({ sub: 'u1' }) });
    const lobby = await first.request({ type: 'join', room: 'lobby' });
    const resume = { session: welcome.session, rooms: { lobby: { epoch: lobby.epoch, seq: lobby.seq } } };
    for (const [bad, code] of [
      [await token({ sub: 'u1', expInSec: -5 }), 'token_expired'],
      [await token({ sub: 'u1' }, OTHER_SECRET), 'unauthorized'],
    ] as const) {
      const thief = await connectEngine(server.url, 'websocket');
      thief.send({ type: 'hello', id: 1, token: bad, resume });
      await refused(thief, code);
      expect(thief.frames.some((f) => f.type === 'welcome' || f.type === 'resumed')).toBe(false);
    }
    // The real owner was not kicked by the refused resumes.
    expect(await first.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    first.close();
  });
});

describe('session takeover', () => {
  it('another subject naming a session id gets a session of its own; the owner is not kicked', async () => {
    await using server = await authServer();
    const owner = await connectRawWs(server.url);
    const welcome = await owner.hello({ token: await token({ sub: 'u1' }) });
    const other = await connectRawWs(server.url);
    const theirs = await other.hello({
      token: await token({ sub: 'u2' }),
      resume: { session: welcome.session },
    });
    expect(theirs.session).not.toBe(welcome.session);
    expect(await owner.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    const same = await connectRawWs(server.url);
    const mine = await same.hello({
      token: await token({ sub: 'u1' }),
      resume: { session: welcome.session },
    });
    expect(mine.session).toBe(welcome.session);
    expect(await owner.next('bye')).toMatchObject({ code: 'kicked' });
    other.close();
    same.close();
  });
});

describe('refresh on a live connection', () => {
  it('a refresh before expiry keeps the connection past the first token', async () => {
    await using server = await authServer();
    const c = await connectEngine(server.url, 'websocket');
    const welcome = await c.hello({ token: await token({ sub: 'u1', expInSec: 2 }) });
    const fresh = await token({ sub: 'u1', expInSec: 600 });
    const ack = await c.request({ type: 'refresh', token: fresh });
    expect(ack).toMatchObject({ type: 'ack' });
    expect(ack.expiresAt as number).toBeGreaterThan(welcome.expiresAt as number);
    // Wait until the first token's expiry (and a sweep) has surely passed, on the server's own clock.
    await new Promise((r) => setTimeout(r, 3000));
    expect(c.closed).toBe(false);
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    c.close();
  });

  it('without a refresh the session ends with bye token_expired', async () => {
    await using server = await authServer();
    const c = await connectRawWs(server.url);
    await c.hello({ token: await token({ sub: 'u1', expInSec: 1 }) });
    expect(await c.waitFor((f) => f.type === 'bye', 'bye', 10_000)).toMatchObject({ code: 'token_expired' });
    await c.waitClosed();
  });

  it('a refresh for another subject is unauthorized and the old identity stays until its expiry', async () => {
    await using server = await authServer();
    const c = await connectEngine(server.url, 'websocket');
    await c.hello({ token: await token({ sub: 'u1', nick: 'alice', expInSec: 2 }) });
    expect(
      await c.request({ type: 'refresh', token: await token({ sub: 'u2', nick: 'eve' }) }),
    ).toMatchObject({ type: 'error', code: 'unauthorized' });
    expect(await c.request({ type: 'refresh', token: 'not.a.jwt' })).toMatchObject({ code: 'unauthorized' });
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    expect(await c.waitFor((f) => f.type === 'bye', 'bye', 10_000)).toMatchObject({ code: 'token_expired' });
  });

  it('a refresh that drops a room leaves it', async () => {
    await using server = await authServer();
    const c = await connectRawWs(server.url);
    await c.hello({ token: await token({ sub: 'u1', rooms: ['lobby', 'ops'] }) });
    await c.request({ type: 'join', room: 'ops' });
    expect(
      await c.request({ type: 'refresh', token: await token({ sub: 'u1', rooms: ['lobby'] }) }),
    ).toMatchObject({ type: 'ack' });
    expect(c.frames.find((f) => f.type === 'error')).toMatchObject({ code: 'forbidden_room' });
    expect(await c.request({ type: 'say', room: 'ops', text: 'x' })).toMatchObject({ code: 'not_in_room' });
    c.close();
  });
});

describe('a token in the handshake', () => {
  const cases: [string, (server: TestServer, t: string) => Promise<TestClient>][] = [
    ['raw WebSocket, Authorization: Bearer', (s, t) => connectRawWs(s.url, { authorization: `Bearer ${t}` })],
    [
      'raw WebSocket, ?token=',
      async (s, t) => new TestClient(await rawwsWire(`${s.url.replace(/^http/, 'ws')}/ws?token=${t}`)),
    ],
    ['raw WebSocket, cookie', (s, t) => connectRawWs(s.url, { cookie: `a=b; switchboard_token=${t}` })],
    [
      'engine.io, Authorization: Bearer',
      (s, t) => connectEngine(s.url, 'polling', { authorization: `Bearer ${t}` }),
    ],
    ['engine.io WebSocket, ?token=', (s, t) => connectEngine(`${s.url}/?token=${t}`, 'websocket')],
    ['engine.io, cookie', (s, t) => connectEngine(s.url, 'upgrade', { cookie: `switchboard_token=${t}` })],
  ];
  for (const [name, connect] of cases) {
    it(`${name}: a hello without token gets the identity`, async () => {
      await using server = await authServer();
      const c = await connect(server, await token({ sub: 'u1', nick: 'carol' }));
      expect(await c.hello({ nick: 'x' })).toMatchObject({ nick: 'carol' });
      c.close();
    });
  }

  it('the hello token wins over the handshake token', async () => {
    await using server = await authServer();
    const c = await connectRawWs(server.url, {
      authorization: `Bearer ${await token({ sub: 'u1', nick: 'header' })}`,
    });
    expect(await c.hello({ token: await token({ sub: 'u2', nick: 'hello' }) })).toMatchObject({
      nick: 'hello',
    });
    c.close();
  });
});

describe('plugin mode: the authenticate option', () => {
  it('is given the handshake and the hello, and its identity and refusal codes apply', async () => {
    const seen: unknown[] = [];
    await using server = await startServer(
      {},
      {
        authenticate: (request) => {
          seen.push({ transport: request.handshake?.transport, token: request.token, nick: request.nick });
          return request.token === 'ok'
            ? { ok: true, identity: { subject: 's', nick: 'plugged', rooms: ['*'] } }
            : { ok: false, code: 'weird_code', message: 'Nope.' };
        },
      },
    );
    const c = await connectRawWs(server.url);
    expect(await c.hello({ nick: 'me', token: 'ok' })).toMatchObject({ nick: 'plugged' });
    expect(await c.request({ type: 'join', room: 'any' })).toMatchObject({ type: 'ack' });
    const no = await connectRawWs(server.url);
    no.send({ type: 'hello', token: 'no' });
    // A code outside the registry is reported as unauthorized.
    await refused(no, 'unauthorized');
    expect(seen[0]).toEqual({ transport: 'rawws', token: 'ok', nick: 'me' });
    c.close();
  });
});
