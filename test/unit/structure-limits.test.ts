import { describe, expect, it } from 'vitest';
import { MemoryHistory } from '../../src/history/memory.js';
import { testHub } from '../helpers/memory-connection.js';

// Rate limiting is off: these tests send far more than a person would.
const BASE = { ratePerSec: 0, rateBurst: 0 };

describe('structure limits', () => {
  it('keeps the first rooms of a forged resume naming 2,200, with one error for the rest', async () => {
    const t = testHub({ limits: { ...BASE, maxRoomsPerSession: 100 } });
    const rooms: Record<string, { epoch: string; seq: number }> = {};
    for (let i = 0; i < 2200; i++) rooms[`r${i}`] = { epoch: 'x', seq: 0 };
    const c = t.connect();
    c.send({ type: 'hello', id: 1, resume: { session: 's_forgedresume01', rooms } });
    await t.settle();
    const frames = c.conn.frames();
    const errors = frames.filter((f) => f.type === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'too_many_rooms' });
    expect(String(errors[0]?.message)).toContain('2100 were not');
    const resumed = frames.find((f) => f.type === 'resumed') as unknown as { rooms: Record<string, unknown> };
    expect(Object.keys(resumed.rooms)).toHaveLength(100);
    expect(c.session.rooms.size).toBe(100);
    expect(t.hub.stats().rooms).toBe(100);
    // A rename then tells at most those 100 rooms.
    c.send({ type: 'nick', nick: 'renamed', id: 2 });
    c.send({ type: 'join', room: 'one-more', id: 3 });
    await t.settle();
    expect(c.conn.frames().find((f) => f.id === 3)).toMatchObject({ type: 'error', code: 'too_many_rooms' });
    expect(c.conn.frames().find((f) => f.id === 2)).toMatchObject({ type: 'ack', nick: 'renamed' });
  });

  it('answers a join and a leave sent in one turn exactly once each', async () => {
    const t = testHub();
    const c = t.connect();
    c.send({ type: 'hello', nick: 'a' });
    c.send({ type: 'join', room: 'r', id: 1 });
    c.send({ type: 'leave', room: 'r', id: 2 });
    await t.settle();
    const answers = c.conn.frames().filter((f) => f.id === 1 || f.id === 2);
    expect(answers.map((f) => [f.id, f.type])).toEqual([
      [2, 'ack'],
      [1, 'ack'],
    ]);
    expect(c.session.rooms.size).toBe(0);
    expect(t.hub.stats().rooms).toBe(0);
  });

  it('refuses a member past maxMembersPerRoom, in the room here and over presence', async () => {
    const t = testHub({ limits: { ...BASE, maxMembersPerRoom: 2 } });
    const [a, b, c] = [t.connect(), t.connect(), t.connect()];
    for (const [i, x] of [a, b, c].entries()) x.send({ type: 'hello', nick: `n${i}` });
    a.send({ type: 'join', room: 'r', id: 1 });
    b.send({ type: 'join', room: 'r', id: 1 });
    await t.settle();
    c.send({ type: 'join', room: 'r', id: 1 });
    await t.settle();
    expect(c.conn.frames().find((f) => f.id === 1)).toMatchObject({ type: 'error', code: 'room_full' });
    // Nobody was told of a join that did not happen.
    expect(a.conn.frames().filter((f) => f.type === 'presence' && f.nick === 'n2')).toEqual([]);
    expect(await t.hub.options.presence.count('/', 'r')).toBe(2);
    b.send({ type: 'leave', room: 'r', id: 2 });
    await t.settle();
    c.send({ type: 'join', room: 'r', id: 3 });
    await t.settle();
    expect(c.conn.frames().find((f) => f.id === 3)).toMatchObject({ type: 'ack', members: ['n0', 'n2'] });
  });

  it('refuses past the process limits: maxRooms with no idle room, maxNamespaces at hello', async () => {
    const t = testHub({ limits: { ...BASE, maxRooms: 2, maxNamespaces: 1 } });
    const a = t.connect();
    a.send({ type: 'hello', nick: 'a' });
    a.send({ type: 'join', room: 'x', id: 1 });
    a.send({ type: 'join', room: 'y', id: 2 });
    a.send({ type: 'join', room: 'z', id: 3 });
    const b = t.connect();
    b.send({ type: 'hello', ns: '/elsewhere', id: 1 });
    await t.settle();
    expect(a.conn.frames().find((f) => f.id === 3)).toMatchObject({ type: 'error', code: 'server_full' });
    expect(b.conn.frames().slice(0, 2)).toMatchObject([
      { type: 'error', id: 1, code: 'server_full' },
      { type: 'bye', code: 'kicked' },
    ]);
    expect(b.conn.closed).toBe(true);
    // An idle room gives its place up to a new one.
    a.send({ type: 'leave', room: 'x', id: 4 });
    a.send({ type: 'join', room: 'z', id: 5 });
    await t.settle();
    expect(a.conn.frames().find((f) => f.id === 5)).toMatchObject({ type: 'ack' });
    expect(t.hub.stats()).toMatchObject({ rooms: 2, idleRooms: 0 });
  });

  it('frees an idle room after roomIdleTtlMs; used again, it is a new epoch, so an old cursor is not mistaken', async () => {
    let epochs = 0;
    const history = new MemoryHistory({ limit: 100, newEpoch: () => `E${++epochs}` });
    const t = testHub({ limits: { ...BASE, roomIdleTtlMs: 1000 } }, history);
    const a = t.connect();
    a.send({ type: 'hello', nick: 'a' });
    a.send({ type: 'join', room: 'r', id: 1 });
    for (let i = 0; i < 5; i++) a.send({ type: 'say', room: 'r', text: `m${i}` });
    await t.settle();
    const epoch = (a.conn.frames().find((f) => f.id === 1) as unknown as { epoch: string }).epoch;
    a.send({ type: 'leave', room: 'r', id: 2 });
    await t.settle();
    expect((await history.info('/', 'r')).seq).toBe(5);
    expect(t.hub.sweepIdle(1_000_000 + 999)).toBe(0);
    expect(t.hub.sweepIdle(1_000_000 + 1000)).toBe(1);
    expect((await history.info('/', 'r')).seq).toBe(0);
    // A member who was away resumes its old cursor: told the room is a new history, not left waiting at seq 5.
    const back = t.connect();
    back.send({ type: 'hello', resume: { session: 's_awaymember0001', rooms: { r: { epoch, seq: 5 } } } });
    await t.settle();
    const gap = back.conn.frames().find((f) => f.type === 'gap');
    expect(gap).toMatchObject({ room: 'r', reason: 'epoch' });
    expect(gap?.epoch).not.toBe(epoch);
    a.send({ type: 'say', room: 'r', text: 'new', id: 3 });
    await t.settle();
    expect(a.conn.frames().find((f) => f.id === 3)).toMatchObject({ type: 'error', code: 'not_in_room' });
    back.send({ type: 'say', room: 'r', text: 'new', id: 4 });
    await t.settle();
    expect(back.conn.frames().find((f) => f.id === 4)).toMatchObject({ type: 'ack', seq: 1 });
  });

  it('cuts a slow consumer with a resume cursor below what it dropped; resuming from it loses nothing', async () => {
    const t = testHub({ limits: { ...BASE, maxBufferBytes: 65536 } });
    const fast = t.connect();
    const slow = t.connect();
    fast.send({ type: 'hello', nick: 'fast' });
    slow.send({ type: 'hello', nick: 'slow' });
    fast.send({ type: 'join', room: 'elsewhere' });
    slow.send({ type: 'join', room: 'r' });
    await t.settle();
    for (let i = 1; i <= 10; i++) await t.hub.post('/', 'r', 'bot', `early ${i}`);
    await t.settle();
    // Ten delivered; then a burst in one turn overflows the queue before it is written.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => t.hub.post('/', 'r', 'bot', `${i + 11} ${'x'.repeat(3000)}`)),
    );
    await t.settle();
    const bye = slow.conn.frames().at(-1) as unknown as {
      code: string;
      resume: { session: string; rooms: Record<string, { epoch: string; seq: number }> };
    };
    expect(bye).toMatchObject({ type: 'bye', code: 'slow_consumer' });
    expect(slow.conn.closed).toBe(true);
    const got = slow.conn
      .frames()
      .filter((f) => f.type === 'message')
      .map((f) => f.seq as number);
    const cursor = bye.resume.rooms.r as { seq: number };
    expect(cursor.seq).toBe(got.at(-1) ?? 0);
    // A paged resume, pulled page by page: the replay itself never trips the bound.
    const again = t.connect();
    again.send({ type: 'hello', caps: ['pages'], resume: bye.resume });
    await t.settle();
    const replayed = again.conn
      .frames()
      .filter((f) => f.type === 'message')
      .map((f) => f.seq as number);
    let more = (
      again.conn.frames().find((f) => f.type === 'resumed') as unknown as { rooms: { r: { more?: boolean } } }
    ).rooms.r.more;
    for (let id = 100; more && id < 140; id++) {
      again.send({ type: 'history', room: 'r', after: replayed.at(-1) ?? cursor.seq, id });
      await t.settle();
      const ack = again.conn.frames().find((f) => f.id === id) as unknown as {
        messages: { seq: number }[];
        more: boolean;
      };
      replayed.push(...ack.messages.map((m) => m.seq));
      more = ack.more;
    }
    expect([...got, ...replayed]).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(cursor.seq).toBeLessThan(40);
    fast.send({ type: 'ping', id: 9 });
    await t.settle();
    expect(fast.conn.frames().find((f) => f.id === 9)).toMatchObject({ type: 'ack' });
  });
});
