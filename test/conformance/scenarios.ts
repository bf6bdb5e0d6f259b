import { describe, expect, it } from 'vitest';
import { signToken } from '../../src/auth/sign.js';
import { ERROR_CODES } from '../../src/protocol/errors.js';
import type { SwitchboardOptions } from '../../src/server/app.js';
import type { Config } from '../../src/server/config.js';
import { bystanders } from '../helpers/bystanders.js';
import type { Frame, TestClient } from '../helpers/client.js';
import { connectionGone, startServer, type TestServer } from '../helpers/server.js';
import { ALL_TRANSPORTS, type Dialer } from './dialers.js';

/** Small frames keep the over-large cases cheap. */
const MAX_FRAME = 4096;

function serve(overrides: Partial<Config> = {}, extra: Omit<SwitchboardOptions, 'config'> = {}) {
  return startServer({ transports: ALL_TRANSPORTS, maxFrameBytes: MAX_FRAME, ...overrides }, extra);
}

/** Opens a client over `dial`, says hello and joins `room`. */
async function member(dial: Dialer, server: TestServer, nick: string, room?: string): Promise<TestClient> {
  const client = await dial.connect(server);
  await client.hello({ nick });
  if (room !== undefined) expect(await client.request({ type: 'join', room })).toMatchObject({ type: 'ack' });
  return client;
}

/**
 * Error codes a client cannot cause on a default server: the server's own failures (a broken backend or
 * hook) and the verdicts of application hooks, which test/integration/errors.test.ts and hooks.test.ts reach.
 */
const SERVER_FAULTS = new Set(['history_unavailable', 'internal', 'refused', 'hook_unavailable']);

/**
 * Codes that HTTP transports answer as a refused handshake (a status and a JSON body, no frame): the
 * integration and adversarial tests read them; TCP has no HTTP, so it gets them as an error line.
 * `forbidden_origin` is never a frame: TCP carries no Origin. `server_full` is a frame too (rooms and
 * namespaces past their limits), so every transport reaches it.
 */
const HANDSHAKE_REFUSALS = new Set(['forbidden_origin', 'too_many_connections']);

/** The protocol scenarios of PROTOCOL.md, written once, run over one transport. */
export function describeConformance(dial: Dialer): void {
  const seen = new Set<string>();
  const expectError = (frame: Frame, code: string): void => {
    expect(frame).toMatchObject({ type: 'error', code, message: expect.any(String) });
    seen.add(code);
  };

  describe(`conformance over ${dial.name}`, () => {
    it('answers hello with welcome, and anything before hello with hello_required', async () => {
      await using server = await serve();
      const c = await dial.connect(server);
      c.send({ type: 'join', room: 'lobby', id: 7 });
      const early = await c.next('error');
      expectError(early, 'hello_required');
      expect(early.id).toBe(7);
      const welcome = await c.hello({ nick: 'alice' });
      expect(welcome).toMatchObject({
        type: 'welcome',
        v: 1,
        session: expect.stringMatching(/^s_/),
        nick: 'alice',
        ns: '/',
        transport: dial.transport,
        limits: { maxFrameBytes: MAX_FRAME, ratePerSec: 20 },
      });
      expect(welcome).not.toHaveProperty('caps');
      const taken = await dial.connect(server);
      expect(await taken.hello({ nick: 'alice' })).toMatchObject({ nick: 'alice-2' });
      c.close();
      taken.close();
    });

    it('joins with members, epoch, seq and history, and tells the room about joins and leaves', async () => {
      await using server = await serve();
      const a = await member(dial, server, 'ann', 'r');
      await a.request({ type: 'say', room: 'r', text: 'before bob' });
      const b = await member(dial, server, 'bob');
      const ack = await b.request({ type: 'join', room: 'r' });
      expect(ack).toMatchObject({ members: ['ann', 'bob'], epoch: expect.any(String), seq: 1 });
      expect((ack.history as Frame[]).map((m) => m.text)).toEqual(['before bob']);
      expect(await a.next('presence')).toMatchObject({ room: 'r', event: 'join', nick: 'bob', members: 2 });
      expect(await a.request({ type: 'who', room: 'r' })).toMatchObject({ members: ['ann', 'bob'] });
      await b.request({ type: 'leave', room: 'r' });
      expect(await a.next('presence')).toMatchObject({ event: 'leave', nick: 'bob', members: 1 });
      a.close();
      b.close();
    });

    it('numbers messages by seq, acks after storing, and gives every member (sender too) one order', async () => {
      await using server = await serve();
      const a = await member(dial, server, 'ann', 'r');
      const b = await member(dial, server, 'bob', 'r');
      for (let i = 1; i <= 15; i++) a.send({ type: 'say', room: 'r', text: `a${i}`, id: 100 + i });
      const acks = await a.waitCount((f) => f.type === 'ack' && Number(f.id) > 100, 15);
      expect(acks.map((f) => f.seq).sort((x, y) => Number(x) - Number(y))).toEqual(
        Array.from({ length: 15 }, (_, i) => i + 1),
      );
      for (const c of [a, b]) {
        const seen = await c.waitCount((f) => f.type === 'message', 15);
        expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
        expect(seen.map((m) => m.text)).toEqual(Array.from({ length: 15 }, (_, i) => `a${i + 1}`));
        expect(seen[0]).toMatchObject({
          room: 'r',
          from: 'ann',
          msgId: expect.any(String),
          ts: expect.any(Number),
        });
      }
      a.close();
      b.close();
    });

    it('answers each bad frame with its stable code, keeps the connection, and harms nobody', async () => {
      await using server = await serve();
      const calm = await bystanders(server, () => dial.connect(server));
      const bad = await member(dial, server, 'bad');
      const cases: [string | Frame, string][] = [
        ['this is not json', 'bad_frame'],
        ['{"no":"type"}', 'bad_frame'],
        [{ type: 'say', room: 'calm', text: 42 }, 'bad_frame'],
        [{ type: 'join', room: ['calm'] }, 'bad_frame'],
        [{ type: 'teleport' }, 'unknown_type'],
        [{ type: 'join', room: 'no spaces allowed' }, 'invalid_room'],
        [{ type: 'nick', nick: '\u0000\u0001' }, 'invalid_nick'],
        [{ type: 'say', room: 'calm', text: 'not joined' }, 'not_in_room'],
      ];
      for (const [frame, code] of cases) {
        if (typeof frame === 'string') {
          bad.send(frame);
          expectError(await bad.next('error'), code);
        } else {
          expectError(await bad.request(frame), code);
        }
        await calm.stillFine();
      }
      await bad.request({ type: 'join', room: 'calm' });
      expectError(await bad.request({ type: 'say', room: 'calm', text: '' }), 'invalid_text');
      expectError(await bad.request({ type: 'say', room: 'calm', text: 'y'.repeat(4001) }), 'invalid_text');
      await calm.stillFine();
      // A little over the frame limit: refused with frame_too_large, and the connection stays.
      bad.send({ type: 'say', room: 'calm', text: 'x'.repeat(MAX_FRAME + 100) });
      expectError(await bad.next('error', (f) => f.code === 'frame_too_large'), 'frame_too_large');
      expect(bad.closed).toBe(false);
      expect(await bad.request({ type: 'say', room: 'calm', text: 'bad recovered' })).toMatchObject({
        type: 'ack',
      });
      await calm.b.waitFor((f) => f.type === 'message' && f.text === 'bad recovered', 'recovered message');
      await calm.stillFine();
      bad.close();
      calm.close();
    });

    it('drops frames past the rate limit with rate_limited, then closes a flooder with bye', async () => {
      await using server = await serve({ ratePerSec: 5, rateBurst: 10 });
      const calm = await bystanders(server, () => dial.connect(server));
      const flooder = await member(dial, server, 'flood');
      for (let i = 1; i <= 40; i++) flooder.send({ type: 'ping', id: i });
      expectError(await flooder.waitFor((f) => f.type === 'error', 'rate_limited'), 'rate_limited');
      expect(await flooder.next('bye')).toMatchObject({ code: 'rate_limited' });
      await flooder.waitClosed();
      await calm.stillFine();
      calm.close();
    });

    it('refuses a hello whose token the authenticate hook rejects (unauthorized)', async () => {
      await using server = await serve(
        {},
        {
          authenticate: ({ token }) =>
            token === 'letmein'
              ? { ok: true, identity: { subject: 'ok' } }
              : { ok: false, code: 'unauthorized', message: 'No.' },
        },
      );
      const good = await dial.connect(server);
      expect(await good.hello({ nick: 'ok', token: 'letmein' })).toMatchObject({ type: 'welcome' });
      const refused = await dial.connect(server);
      refused.send({ type: 'hello', token: 'wrong', id: 1 });
      expectError(await refused.next('error'), 'unauthorized');
      expect(await refused.next('bye')).toMatchObject({ code: 'kicked' });
      await refused.waitClosed();
      expect(await good.request({ type: 'ping' })).toMatchObject({
        type: 'ack',
        serverTime: expect.any(Number),
      });
      good.close();
    });

    it('with AUTH_SECRET: an expired token is token_expired, a room outside the token is forbidden_room', async () => {
      const secret = 'conformance-secret-of-32-bytes-or-more';
      await using server = await serve({ authSecret: secret });
      const exp = Math.floor(Date.now() / 1000) + 600;
      const c = await dial.connect(server);
      const welcome = await c.hello({
        nick: 'x',
        token: await signToken(secret, { sub: 'u', nick: 'ann', exp, rooms: ['lobby'] }),
      });
      expect(welcome).toMatchObject({ nick: 'ann', expiresAt: exp * 1000 });
      expectError(await c.request({ type: 'join', room: 'vault' }), 'forbidden_room');
      const late = await dial.connect(server);
      late.send({ type: 'hello', id: 1, token: await signToken(secret, { sub: 'u', exp: exp - 1200 }) });
      expectError(await late.next('error'), 'token_expired');
      expect(await late.next('bye')).toMatchObject({ code: 'token_expired' });
      await late.waitClosed();
      expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
      c.close();
    });

    it(
      dial.carriesOrigin
        ? 'refuses a handshake from an Origin outside allowedOrigins before any session exists'
        : 'carries no Origin, so allowedOrigins does not apply to it',
      async () => {
        await using server = await serve({ allowedOrigins: ['https://chat.example'] });
        const allowed = await dial.connect(server, 'https://chat.example');
        expect((await allowed.hello()).type).toBe('welcome');
        if (dial.carriesOrigin) {
          // An HTTP 403 `forbidden_origin` (test/adversarial/admission.test.ts reads it): no session, no frame.
          await expect(dial.connect(server, 'https://evil.example')).rejects.toThrow();
          expect(server.app.switchboard.hub.sessions.size).toBe(1);
        }
        expect(await allowed.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
        allowed.close();
      },
    );

    if (!dial.carriesOrigin) {
      it('refuses a connection past the per-address cap or the process cap with one error line', async () => {
        {
          await using server = await serve({ maxConnectionsPerIp: 1 });
          const first = await dial.connect(server);
          const second = await dial.connect(server);
          expectError(await second.next('error'), 'too_many_connections');
          await second.waitClosed();
          expect((await first.hello()).type).toBe('welcome');
          first.close();
        }
        {
          await using server = await serve({ maxConnections: 1 });
          const first = await dial.connect(server);
          const second = await dial.connect(server);
          expectError(await second.next('error'), 'server_full');
          await second.waitClosed();
          expect((await first.hello()).type).toBe('welcome');
          first.close();
        }
      });
    }

    it('refuses past the structure limits: too_many_rooms, room_full, server_full for rooms and namespaces', async () => {
      await using server = await serve({
        maxRoomsPerSession: 2,
        maxMembersPerRoom: 1,
        maxRooms: 3,
        maxNamespaces: 2,
      });
      const a = await dial.connect(server);
      await a.hello({ nick: 'a' });
      await a.request({ type: 'join', room: 'one' });
      await a.request({ type: 'join', room: 'two' });
      expectError(await a.request({ type: 'join', room: 'three' }), 'too_many_rooms');
      const b = await dial.connect(server);
      await b.hello({ nick: 'b' });
      expectError(await b.request({ type: 'join', room: 'one' }), 'room_full');
      await b.request({ type: 'join', room: 'b1' });
      // Three busy rooms and none idle: a fourth cannot be made.
      expectError(await b.request({ type: 'join', room: 'b2' }), 'server_full');
      // The default namespace and one more are the limit: a third refuses the hello.
      const other = await dial.connect(server);
      expect(await other.hello({ ns: '/other' })).toMatchObject({ type: 'welcome' });
      const third = await dial.connect(server);
      third.send({ type: 'hello', ns: '/third', id: 1 });
      expectError(await third.next('error'), 'server_full');
      expect(await third.next('bye')).toMatchObject({ code: 'kicked' });
      // Leaving frees the room for another member; nothing else was harmed.
      await a.request({ type: 'leave', room: 'one' });
      expect(await b.request({ type: 'join', room: 'one' })).toMatchObject({ type: 'ack' });
      expect(await a.request({ type: 'say', room: 'two', text: 'still here' })).toMatchObject({ seq: 1 });
      for (const c of [a, b, other]) c.close();
    });

    it('relays emit to the other members only, not the sender', async () => {
      await using server = await serve();
      const a = await member(dial, server, 'ann', 'r');
      const b = await member(dial, server, 'bob', 'r');
      expect(await a.request({ type: 'emit', room: 'r', event: 'typing', data: { on: true } })).toMatchObject(
        {
          type: 'ack',
        },
      );
      expect(await b.next('event')).toMatchObject({
        room: 'r',
        event: 'typing',
        data: { on: true },
        from: 'ann',
      });
      // A later round trip on a's connection proves no event was queued for it.
      await a.request({ type: 'ping' });
      expect(a.frames.some((f) => f.type === 'event')).toBe(false);
      a.close();
      b.close();
    });

    it('stores a say whose cid was already sent once, and acks the resend with the first seq', async () => {
      await using server = await serve();
      const a = await member(dial, server, 'ann', 'r');
      const b = await member(dial, server, 'bob', 'r');
      const first = await a.request({ type: 'say', room: 'r', text: 'once', cid: 'c-1' });
      const again = await a.request({ type: 'say', room: 'r', text: 'once', cid: 'c-1' });
      expect(again).toMatchObject({ seq: first.seq, msgId: first.msgId });
      await a.request({ type: 'say', room: 'r', text: 'next' });
      const seen = await b.waitCount((f) => f.type === 'message', 2);
      expect(seen.map((m) => [m.text, m.cid])).toEqual([
        ['once', 'c-1'],
        ['next', undefined],
      ]);
      a.close();
      b.close();
    });

    it('resumes with replay in order, gap (trimmed) past the history, and gap (epoch) for another epoch', async () => {
      await using server = await serve({ historyLimit: 5, ratePerSec: 0 });
      const talker = await member(dial, server, 'talker', 'r');
      const alice = await dial.connect(server);
      const welcome = await alice.hello({ nick: 'alice' });
      const joined = await alice.request({ type: 'join', room: 'r' });
      for (let i = 1; i <= 3; i++) await talker.request({ type: 'say', room: 'r', text: `m${i}` });
      await alice.waitCount((f) => f.type === 'message', 3);
      alice.close();
      // Its connection is gone on the server (with PRESENCE_GRACE_MS set it would still be present).
      await connectionGone(server, 'alice');
      for (let i = 4; i <= 13; i++) await talker.request({ type: 'say', room: 'r', text: `m${i}` });

      const back = await dial.connect(server);
      back.send({
        type: 'hello',
        nick: 'alice',
        resume: { session: welcome.session, rooms: { r: { epoch: joined.epoch, seq: 3 } } },
      });
      const resumed = await back.next('resumed');
      expect(resumed.rooms).toEqual({ r: { epoch: joined.epoch, seq: 13, replayed: 5 } });
      const before = back.frames.slice(0, back.frames.indexOf(resumed));
      expect(before[0]).toMatchObject({ type: 'welcome', session: welcome.session });
      expect(before.find((f) => f.type === 'gap')).toEqual({
        type: 'gap',
        room: 'r',
        from: 4,
        to: 8,
        reason: 'trimmed',
      });
      expect(before.filter((f) => f.type === 'message').map((f) => f.seq)).toEqual([9, 10, 11, 12, 13]);
      await talker.request({ type: 'say', room: 'r', text: 'live' });
      expect(await back.next('message')).toMatchObject({ seq: 14, text: 'live' });

      const stale = await dial.connect(server);
      stale.send({
        type: 'hello',
        resume: { session: 's_fromanotherlifetime', rooms: { r: { epoch: 'old', seq: 2 } } },
      });
      const gap = await stale.next('gap');
      expect(gap).toEqual({ type: 'gap', room: 'r', reason: 'epoch', epoch: joined.epoch });
      const replay = await stale.next('resumed');
      expect(replay.rooms).toEqual({ r: { epoch: joined.epoch, seq: 14, replayed: 5 } });
      expect(stale.messages('r').map((m) => m.seq)).toEqual([10, 11, 12, 13, 14]);
      for (const c of [talker, back, stale]) c.close();
    });

    it('grants the batch capability to a client that offers it and packs frames of one turn into batch', async () => {
      await using server = await serve();
      const a = await dial.connect(server);
      expect(await a.hello({ nick: 'ann', caps: ['batch', 'teleport'] })).toMatchObject({ caps: ['batch'] });
      await a.request({ type: 'join', room: 'r' });
      const b = await member(dial, server, 'bob', 'r');
      // The ack of a say and the sender's own copy of the message are ready in the same turn.
      const ack = await a.request({ type: 'say', room: 'r', text: 'packed' });
      const batch = a.raw.find((f) => f.type === 'batch');
      expect(batch?.frames).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'ack', id: ack.id }),
          expect.objectContaining({ type: 'message', text: 'packed' }),
        ]),
      );
      await b.next('message');
      expect(b.raw.some((f) => f.type === 'batch')).toBe(false);
      a.close();
      b.close();
    });

    it('reached every error code a client can cause', () => {
      const reachable = Object.keys(ERROR_CODES).filter(
        (code) =>
          !SERVER_FAULTS.has(code) &&
          code !== 'forbidden_origin' &&
          (dial.carriesOrigin ? !HANDSHAKE_REFUSALS.has(code) : true),
      );
      expect([...seen].sort()).toEqual(reachable.sort());
    });
  });
}
