import { describe, expect, it } from 'vitest';
import { MemoryHistory } from '../../src/history/memory.js';
import { testHub } from '../helpers/memory-connection.js';

/** A connection that says hello as `nick` and joins `room`; the hub handles both at the next settle. */
function member(t: ReturnType<typeof testHub>, nick: string, room: string) {
  const m = t.connect();
  m.send({ type: 'hello', nick });
  m.send({ type: 'join', room, id: 1 });
  return m;
}

describe('Hub (pure core, manual clock and turns)', () => {
  it('orders messages of a room by seq rising by one and shows every member the same order', async () => {
    const t = testHub();
    const a = member(t, 'alice', 'lobby');
    const b = member(t, 'bob', 'lobby');
    await t.settle();
    for (let i = 0; i < 10; i++)
      (i % 2 ? a : b).send({ type: 'say', room: 'lobby', text: `m${i}`, id: 10 + i });
    await t.settle();
    const seqsA = a.conn
      .frames()
      .filter((f) => f.type === 'message')
      .map((f) => f.seq);
    const seqsB = b.conn
      .frames()
      .filter((f) => f.type === 'message')
      .map((f) => f.seq);
    expect(seqsA).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seqsB).toEqual(seqsA);
    const texts = a.conn
      .frames()
      .filter((f) => f.type === 'message')
      .map((f) => f.text);
    expect(texts).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7', 'm8', 'm9']);
  });

  it('acks a say only after the history append resolves', async () => {
    let release: (() => void) | undefined;
    const history = new MemoryHistory({ newEpoch: () => 'e' });
    const slow = Object.create(history) as MemoryHistory;
    slow.append = (...args) =>
      new Promise((resolve) => {
        release = () => resolve(history.append(...args));
      });
    const t = testHub({}, slow);
    const a = member(t, 'alice', 'r');
    await t.settle();
    a.send({ type: 'say', room: 'r', text: 'hi', id: 2 });
    await t.settle();
    expect(a.conn.frames().some((f) => f.type === 'ack' && f.id === 2)).toBe(false);
    release?.();
    await t.settle();
    expect(a.conn.frames().find((f) => f.type === 'ack' && f.id === 2)).toMatchObject({ seq: 1 });
  });

  it('gives a taken or missing nick a free variant and refuses an invalid nick change', async () => {
    const t = testHub();
    const a = t.connect();
    const b = t.connect();
    const c = t.connect();
    a.send({ type: 'hello', nick: 'alice' });
    b.send({ type: 'hello', nick: 'ALICE' });
    c.send({ type: 'hello', nick: '\u0007' });
    await t.settle();
    expect(a.conn.frames()[0]).toMatchObject({ type: 'welcome', nick: 'alice' });
    expect(b.conn.frames()[0]).toMatchObject({ type: 'welcome', nick: 'ALICE-2' });
    expect(c.conn.frames()[0]).toMatchObject({ type: 'welcome', nick: 'guest-1' });
    c.send({ type: 'nick', nick: '   ', id: 5 });
    c.send({ type: 'nick', nick: 'alice', id: 6 });
    await t.settle();
    expect(c.conn.frames().find((f) => f.id === 5)).toMatchObject({ type: 'error', code: 'invalid_nick' });
    expect(c.conn.frames().find((f) => f.id === 6)).toMatchObject({ type: 'ack', nick: 'alice-3' });
    a.session.closed();
    const d = t.connect();
    d.send({ type: 'hello', nick: 'alice' });
    await t.settle();
    expect(d.conn.frames()[0]).toMatchObject({ nick: 'alice' });
  });

  it('announces presence joins and leaves to the other members with the member count', async () => {
    const t = testHub();
    const a = t.connect();
    const b = t.connect();
    a.send({ type: 'hello', nick: 'alice' });
    b.send({ type: 'hello', nick: 'bob' });
    a.send({ type: 'join', room: 'r', id: 1 });
    await t.settle();
    b.send({ type: 'join', room: 'r', id: 1 });
    await t.settle();
    expect(b.conn.frames().find((f) => f.type === 'ack')).toMatchObject({ members: ['alice', 'bob'] });
    expect(a.conn.frames().filter((f) => f.type === 'presence')).toEqual([
      { type: 'presence', room: 'r', event: 'join', nick: 'bob', members: 2 },
    ]);
    expect(b.conn.frames().some((f) => f.type === 'presence')).toBe(false);
    b.session.closed();
    await t.settle();
    expect(
      a.conn
        .frames()
        .filter((f) => f.type === 'presence')
        .at(-1),
    ).toEqual({
      type: 'presence',
      room: 'r',
      event: 'leave',
      nick: 'bob',
      members: 1,
    });
  });

  it('stores a say resent with the same cid once and acks both with the first seq', async () => {
    const t = testHub();
    const a = member(t, 'alice', 'r');
    await t.settle();
    a.send({ type: 'say', room: 'r', text: 'once', cid: 'c-1', id: 2 });
    a.send({ type: 'say', room: 'r', text: 'once', cid: 'c-1', id: 3 });
    a.send({ type: 'say', room: 'r', text: 'other', cid: 'c-2', id: 4 });
    await t.settle();
    const frames = a.conn.frames();
    const ack2 = frames.find((f) => f.id === 2);
    const ack3 = frames.find((f) => f.id === 3);
    expect(ack3).toMatchObject({ seq: ack2?.seq, msgId: ack2?.msgId });
    expect(frames.filter((f) => f.type === 'message').map((f) => f.text)).toEqual(['once', 'other']);
    expect(frames.find((f) => f.id === 4)).toMatchObject({ seq: 2 });
  });

  it('resumes: replays exactly what came after the last seq, then resumed, keeping the session', async () => {
    const t = testHub();
    const a = member(t, 'alice', 'r');
    const b = member(t, 'bob', 'r');
    await t.settle();
    for (let i = 1; i <= 3; i++) b.send({ type: 'say', room: 'r', text: `m${i}` });
    await t.settle();
    const welcome = a.conn.frames()[0] as unknown as { session: string };
    const epoch = a.conn.frames().find((f) => f.type === 'ack')?.epoch;
    a.session.closed();
    for (let i = 4; i <= 6; i++) b.send({ type: 'say', room: 'r', text: `m${i}` });
    await t.settle();
    const a2 = t.connect();
    a2.send({
      type: 'hello',
      nick: 'alice',
      resume: { session: welcome.session, rooms: { r: { epoch, seq: 3 } } },
    });
    await t.settle();
    b.send({ type: 'say', room: 'r', text: 'm7' });
    await t.settle();
    const frames = a2.conn.frames();
    expect(frames[0]).toMatchObject({ type: 'welcome', session: welcome.session, nick: 'alice' });
    const types = frames.map((f) => (f.type === 'message' ? `m${f.seq}` : f.type));
    expect(types).toEqual(['welcome', 'm4', 'm5', 'm6', 'resumed', 'm7']);
    expect(frames.find((f) => f.type === 'resumed')).toEqual({
      type: 'resumed',
      rooms: { r: { epoch, seq: 6, replayed: 3 } },
    });
  });

  it('tells a resume past the history bound about the trimmed gap, and an old epoch about the new one', async () => {
    const t = testHub({}, new MemoryHistory({ limit: 5, newEpoch: () => 'E1' }));
    const b = member(t, 'bob', 'r');
    await t.settle();
    for (let i = 1; i <= 12; i++) b.send({ type: 'say', room: 'r', text: `m${i}` });
    await t.settle();
    const a = t.connect();
    a.send({ type: 'hello', resume: { session: 's_abcdefghijkl', rooms: { r: { epoch: 'E1', seq: 2 } } } });
    await t.settle();
    const frames = a.conn.frames();
    expect(frames.find((f) => f.type === 'gap')).toEqual({
      type: 'gap',
      room: 'r',
      reason: 'trimmed',
      from: 3,
      to: 7,
    });
    expect(frames.filter((f) => f.type === 'message').map((f) => f.seq)).toEqual([8, 9, 10, 11, 12]);

    const c = t.connect();
    c.send({ type: 'hello', resume: { session: 's_mnopqrstuvwx', rooms: { r: { epoch: 'OLD', seq: 10 } } } });
    await t.settle();
    const cf = c.conn.frames();
    expect(cf.find((f) => f.type === 'gap')).toEqual({
      type: 'gap',
      room: 'r',
      reason: 'epoch',
      epoch: 'E1',
    });
    expect(cf.filter((f) => f.type === 'message').map((f) => f.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(cf.at(-1)).toMatchObject({ type: 'resumed', rooms: { r: { epoch: 'E1', seq: 12, replayed: 5 } } });
  });

  it('holds live messages while a join reads history, so a joiner sees no gap and no duplicate', async () => {
    const t = testHub();
    const b = member(t, 'bob', 'r');
    await t.settle();
    b.send({ type: 'say', room: 'r', text: 'before' });
    await t.settle();
    const a = t.connect();
    a.send({ type: 'hello', nick: 'alice' });
    a.send({ type: 'join', room: 'r', id: 1 });
    // Sent before the join's history read resolves: must arrive after the ack, once.
    b.send({ type: 'say', room: 'r', text: 'during' });
    await t.settle();
    const frames = a.conn.frames();
    const ack = frames.find((f) => f.type === 'ack') as unknown as {
      history: { seq: number }[];
      seq: number;
    };
    const live = frames.filter((f) => f.type === 'message').map((f) => f.seq as number);
    const all = [...ack.history.map((m) => m.seq), ...live];
    expect(all).toEqual([1, 2]);
  });

  it('relays emit to the other members only', async () => {
    const t = testHub();
    const a = member(t, 'alice', 'r');
    const b = member(t, 'bob', 'r');
    await t.settle();
    a.send({ type: 'emit', room: 'r', event: 'typing', data: { on: true }, id: 9 });
    await t.settle();
    expect(b.conn.frames().find((f) => f.type === 'event')).toEqual({
      type: 'event',
      room: 'r',
      event: 'typing',
      data: { on: true },
      from: 'alice',
    });
    expect(a.conn.frames().some((f) => f.type === 'event')).toBe(false);
    expect(a.conn.frames().find((f) => f.id === 9)).toMatchObject({ type: 'ack' });
  });

  it('limits the rate with a token bucket on the injected clock and closes a flooder with bye', async () => {
    const t = testHub({
      limits: { maxFrameBytes: 65536, ratePerSec: 10, rateBurst: 5, maxBufferBytes: 1 << 20 },
    });
    const a = t.connect();
    a.send({ type: 'hello' });
    for (let i = 0; i < 5; i++) a.send({ type: 'ping', id: i + 1 });
    await t.settle();
    expect(a.conn.frames().find((f) => f.id === 5)).toMatchObject({ type: 'error', code: 'rate_limited' });
    t.advance(1000);
    a.send({ type: 'ping', id: 50 });
    await t.settle();
    expect(a.conn.frames().find((f) => f.id === 50)).toMatchObject({ type: 'ack' });
    for (let i = 0; i < 30; i++) a.send({ type: 'ping' });
    await t.settle();
    expect(a.conn.frames().at(-1)).toMatchObject({ type: 'bye', code: 'rate_limited' });
    expect(a.conn.closed).toBe(true);
  });

  it('coalesces a turn of frames into one write, as one batch frame only for a client granted batch', async () => {
    const t = testHub();
    const plain = t.connect();
    const batched = t.connect();
    plain.send({ type: 'hello', nick: 'p' });
    batched.send({ type: 'hello', nick: 'b', caps: ['batch', 'nope'] });
    plain.send({ type: 'join', room: 'r' });
    batched.send({ type: 'join', room: 'r' });
    await t.settle();
    expect(batched.conn.frames()[0]).toMatchObject({ type: 'welcome', caps: ['batch'] });
    expect(plain.conn.frames()[0]).not.toHaveProperty('caps');
    const plainWrites = plain.conn.writes.length;
    const batchedWrites = batched.conn.writes.length;
    for (let i = 0; i < 5; i++) plain.send({ type: 'say', room: 'r', text: `x${i}` });
    await t.settle();
    const newPlain = plain.conn.writes.slice(plainWrites);
    const newBatched = batched.conn.writes.slice(batchedWrites);
    expect(newBatched).toHaveLength(1);
    expect(JSON.parse(newBatched[0]?.[0] ?? '{}')).toMatchObject({ type: 'batch' });
    expect(newBatched[0]).toHaveLength(1);
    expect(newPlain.flat().every((text) => JSON.parse(text).type !== 'batch')).toBe(true);
    const texts = (c: typeof plain) =>
      c.conn
        .frames()
        .filter((f) => f.type === 'message')
        .map((f) => `${f.seq}:${f.text}`);
    expect(texts(batched)).toEqual(texts(plain));
  });

  it('drops a connection whose transport buffer is over the bound as a slow consumer', async () => {
    const t = testHub({
      limits: { maxFrameBytes: 65536, ratePerSec: 0, rateBurst: 0, maxBufferBytes: 100_000 },
    });
    const slow = member(t, 'slow', 'r');
    const fast = member(t, 'fast', 'r');
    await t.settle();
    slow.conn.buffered = 200_000;
    fast.send({ type: 'say', room: 'r', text: 'x' });
    await t.settle();
    expect(slow.conn.frames().at(-1)).toMatchObject({ type: 'bye', code: 'slow_consumer' });
    expect(slow.conn.closed).toBe(true);
    expect(fast.conn.closed).toBe(false);
  });

  it('answers every bad frame with a stable code and closes only after repeated abuse', async () => {
    const t = testHub();
    const a = t.connect();
    a.send({ type: 'join', room: 'r', id: 1 });
    a.send('not json');
    a.send('[1,2]');
    a.send({ nope: 1 });
    a.send({ type: 'hello', nick: 'a' });
    a.send({ type: 'dance', id: 2 });
    a.send({ type: 'say', room: 7, text: 'x', id: 3 });
    a.send({ type: 'join', room: 'bad room!', id: 4 });
    a.send({ type: 'say', room: 'r', text: 'x', id: 5 });
    a.send({ type: 'join', room: 'r', id: 6 });
    a.send({ type: 'say', room: 'r', text: '', id: 7 });
    a.send({ type: 'say', room: 'r', text: 'x'.repeat(4001), id: 8 });
    a.send(JSON.stringify({ type: 'say', room: 'r', text: 'y'.repeat(70_000) }));
    await t.settle();
    const codes = a.conn
      .frames()
      .filter((f) => f.type === 'error')
      .map((f) => f.code);
    expect(codes).toEqual([
      'hello_required',
      'bad_frame',
      'bad_frame',
      'bad_frame',
      'unknown_type',
      'bad_frame',
      'invalid_room',
      'not_in_room',
      'invalid_text',
      'invalid_text',
      'frame_too_large',
    ]);
    expect(a.conn.closed).toBe(false);
    for (let i = 0; i < 25; i++) a.send('garbage');
    await t.settle();
    expect(a.conn.frames().at(-1)).toMatchObject({ type: 'bye', code: 'kicked' });
    expect(a.conn.closed).toBe(true);
  });
});

describe('Hub bounds', () => {
  it('forgets a namespace and its rooms once the last session in it is gone', async () => {
    const t = testHub();
    const clients = ['/a', '/b', '/c'].map((ns) => {
      const c = t.connect();
      c.send({ type: 'hello', ns });
      c.send({ type: 'join', room: 'r' });
      return c;
    });
    await t.settle();
    expect(t.hub.stats()).toEqual({ namespaces: 3, rooms: 3, idleRooms: 0, sessions: 3 });
    for (const c of clients) c.session.closed();
    // The rooms' histories wait out ROOM_IDLE_TTL_MS, then go too.
    expect(t.hub.stats()).toEqual({ namespaces: 0, rooms: 0, idleRooms: 3, sessions: 0 });
    t.advance(600_000);
    expect(t.hub.sweepIdle(1_000_000 + 600_000)).toBe(3);
    expect(t.hub.stats()).toEqual({ namespaces: 0, rooms: 0, idleRooms: 0, sessions: 0 });
  });

  it('bounds the frames held behind a hello that is still being authenticated', async () => {
    const t = testHub({
      limits: { maxFrameBytes: 65536, ratePerSec: 0, rateBurst: 0, maxBufferBytes: 1 << 20 },
      authenticate: () => new Promise<never>(() => {}),
    });
    const c = t.connect();
    c.send({ type: 'hello', token: 'slow' });
    for (let i = 0; i < 100; i++) c.send({ type: 'ping' });
    await t.settle();
    expect(c.conn.closed).toBe(false);
    c.send({ type: 'ping' });
    await t.settle();
    expect(c.conn.frames().at(-1)).toMatchObject({ type: 'bye', code: 'rate_limited' });
    expect(c.conn.closed).toBe(true);
  });
});

describe('Hub against hostile or unusual input (found by a black-box audit)', () => {
  it('resumes every room a resume names, and tells about a bad room name instead of dropping it', async () => {
    const t = testHub({
      limits: { maxRoomsPerSession: 200 },
    });
    const talker = t.connect();
    talker.send({ type: 'hello', nick: 'talker' });
    talker.send({ type: 'join', room: 'k150' });
    await t.settle();
    talker.send({ type: 'say', room: 'k150', text: 'to the last room' });
    await t.settle();
    const rooms: Record<string, { epoch: string; seq: number }> = {};
    for (let i = 1; i <= 150; i++) rooms[`k${i}`] = { epoch: 'e1', seq: 0 };
    rooms['bad room'] = { epoch: 'e1', seq: 0 };
    const c = t.connect();
    c.send({ type: 'hello', resume: { session: 's_manyroomsresumer', rooms } });
    await t.settle();
    const frames = c.conn.frames();
    const resumed = frames.find((f) => f.type === 'resumed') as unknown as { rooms: Record<string, unknown> };
    expect(Object.keys(resumed.rooms)).toHaveLength(150);
    expect(frames.find((f) => f.type === 'message')).toMatchObject({
      room: 'k150',
      text: 'to the last room',
    });
    expect(frames.find((f) => f.type === 'error')).toMatchObject({ code: 'invalid_room' });
  });

  it('replaces an over-long or non-string hello nick, and names the rule broken by an over-long name', async () => {
    const t = testHub();
    const long = t.connect();
    const number = t.connect();
    long.send({ type: 'hello', nick: 'n'.repeat(60_000) });
    number.send({ type: 'hello', nick: 123 });
    await t.settle();
    expect(long.conn.frames()[0]).toMatchObject({
      type: 'welcome',
      nick: expect.stringMatching(/^guest-\d+$/),
    });
    expect(number.conn.frames()[0]).toMatchObject({
      type: 'welcome',
      nick: expect.stringMatching(/^guest-\d+$/),
    });
    long.send({ type: 'nick', nick: 'm'.repeat(60_000), id: 1 });
    long.send({ type: 'join', room: 'r'.repeat(60_000), id: 2 });
    await t.settle();
    expect(long.conn.frames().find((f) => f.id === 1)).toMatchObject({ type: 'error', code: 'invalid_nick' });
    expect(long.conn.frames().find((f) => f.id === 2)).toMatchObject({ type: 'error', code: 'invalid_room' });
  });

  it('refuses emit data nested too deeply to relay, and relays ordinary nesting', async () => {
    const t = testHub();
    const a = t.connect();
    const b = t.connect();
    a.send({ type: 'hello' });
    b.send({ type: 'hello' });
    a.send({ type: 'join', room: 'r' });
    b.send({ type: 'join', room: 'r' });
    await t.settle();
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    a.send(`{"type":"emit","id":1,"room":"r","event":"e","data":${deep}}`);
    a.send({ type: 'emit', id: 2, room: 'r', event: 'e', data: { a: { b: [1, { c: 2 }] } } });
    await t.settle();
    expect(a.conn.frames().find((f) => f.id === 1)).toMatchObject({ type: 'error', code: 'bad_frame' });
    expect(a.conn.frames().find((f) => f.id === 2)).toMatchObject({ type: 'ack' });
    expect(b.conn.frames().filter((f) => f.type === 'event')).toEqual([
      { type: 'event', room: 'r', event: 'e', data: { a: { b: [1, { c: 2 }] } }, from: expect.any(String) },
    ]);
  });
});
