import { describe, expect, it } from 'vitest';
import { type ClientKind, connectEngine, type Frame } from '../helpers/client.js';
import { connectionGone, startServer } from '../helpers/server.js';

describe.each<ClientKind>(['websocket', 'polling'])('resume over engine.io %s', (kind) => {
  it('replays exactly the messages after the last seq, in order, then resumed; a cid resend is stored once', async () => {
    await using server = await startServer({ ratePerSec: 0, presenceGraceMs: 5000 });
    const talker = await connectEngine(server.url, 'websocket');
    await talker.hello({ nick: 'talker' });
    await talker.request({ type: 'join', room: 'r' });
    const alice = await connectEngine(server.url, kind);
    const welcome = await alice.hello({ nick: 'alice' });
    const joined = await alice.request({ type: 'join', room: 'r' });
    for (let i = 1; i <= 5; i++) await talker.request({ type: 'say', room: 'r', text: `m${i}` });
    await alice.waitCount((f) => f.type === 'message', 5);
    const k = 5;
    alice.close();
    // Gone, and still present for the others (PRESENCE_GRACE_MS): the resume is no leave and no join.
    await connectionGone(server, 'alice');
    for (let i = 6; i <= 9; i++) await talker.request({ type: 'say', room: 'r', text: `m${i}` });

    const back = await connectEngine(server.url, kind);
    back.send({
      type: 'hello',
      nick: 'alice',
      resume: { session: welcome.session, rooms: { r: { epoch: joined.epoch, seq: k } } },
    });
    const resumed = await back.next('resumed');
    expect(resumed.rooms).toEqual({ r: { epoch: joined.epoch, seq: 9, replayed: 4 } });
    // No flap: the others saw alice join once, and neither leave nor join again across the drop and resume.
    await talker.request({ type: 'ping' });
    expect(
      talker.frames.filter((f) => f.type === 'presence' && f.nick === 'alice').map((f) => f.event),
    ).toEqual(['join']);
    const beforeResumed = back.frames.slice(0, back.frames.indexOf(resumed));
    expect(beforeResumed[0]).toMatchObject({ type: 'welcome', session: welcome.session, nick: 'alice' });
    expect(beforeResumed.filter((f) => f.type === 'message').map((f) => f.text)).toEqual([
      'm6',
      'm7',
      'm8',
      'm9',
    ]);
    expect(beforeResumed.some((f) => f.type === 'gap')).toBe(false);

    // The same cid sent again after the reconnect (a resend whose first ack was lost) is stored once.
    const first = await back.request({ type: 'say', room: 'r', text: 'once', cid: 'c-42' });
    const again = await back.request({ type: 'say', room: 'r', text: 'once', cid: 'c-42' });
    expect(again).toMatchObject({ seq: first.seq, msgId: first.msgId });
    await talker.request({ type: 'say', room: 'r', text: 'after' });
    const seen = (await talker.waitCount((f) => f.type === 'message', 11)).map((f) => f.text);
    expect(seen.slice(-2)).toEqual(['once', 'after']);
    back.close();
    talker.close();
  });

  it('says gap (trimmed) when the history no longer reaches back, and gap (epoch) for another epoch', async () => {
    await using server = await startServer({ historyLimit: 5, ratePerSec: 0 });
    const talker = await connectEngine(server.url, 'websocket');
    await talker.hello({ nick: 'talker' });
    const joined = await talker.request({ type: 'join', room: 'r' });
    for (let i = 1; i <= 12; i++) await talker.request({ type: 'say', room: 'r', text: `m${i}` });

    const late = await connectEngine(server.url, kind);
    late.send({
      type: 'hello',
      resume: { session: 's_nobodyknowsthisone', rooms: { r: { epoch: joined.epoch, seq: 3 } } },
    });
    const resumed = await late.next('resumed');
    const got = late.frames.slice(0, late.frames.indexOf(resumed));
    expect(got.find((f) => f.type === 'gap')).toEqual({
      type: 'gap',
      room: 'r',
      reason: 'trimmed',
      from: 4,
      to: 7,
    });
    expect(got.filter((f) => f.type === 'message').map((f) => f.seq)).toEqual([8, 9, 10, 11, 12]);

    const stale = await connectEngine(server.url, kind);
    stale.send({
      type: 'hello',
      resume: { session: 's_anotherunknownone', rooms: { r: { epoch: 'old-epoch', seq: 11 } } },
    });
    const resumed2 = await stale.next('resumed');
    const got2 = stale.frames.slice(0, stale.frames.indexOf(resumed2));
    const gapIndex = got2.findIndex((f) => f.type === 'gap');
    expect(got2[gapIndex]).toEqual({ type: 'gap', room: 'r', reason: 'epoch', epoch: joined.epoch });
    const replay = got2.filter((f) => f.type === 'message');
    expect(replay.map((f) => f.seq)).toEqual([8, 9, 10, 11, 12]);
    expect(got2.indexOf(replay[0] as Frame)).toBeGreaterThan(gapIndex);
    for (const c of [talker, late, stale]) c.close();
  });
});

describe('batch capability over engine.io WebSocket', () => {
  it('is granted to a client that offers it, used under load, and never sent to one that did not', async () => {
    await using server = await startServer({ ratePerSec: 0 });
    const batched = await connectEngine(server.url, 'websocket');
    const plain = await connectEngine(server.url, 'websocket');
    const sender = await connectEngine(server.url, 'websocket');
    expect(await batched.hello({ nick: 'b', caps: ['batch', 'teleport'] })).toMatchObject({
      caps: ['batch'],
    });
    const plainWelcome = await plain.hello({ nick: 'p' });
    expect(plainWelcome.caps).toBeUndefined();
    await sender.hello({ nick: 's' });
    for (const c of [batched, plain, sender]) await c.request({ type: 'join', room: 'load' });
    const n = 300;
    for (let i = 0; i < n; i++) sender.send({ type: 'say', room: 'load', text: `x${i}` });
    const inBatched = await batched.waitCount((f) => f.type === 'message', n);
    const inPlain = await plain.waitCount((f) => f.type === 'message', n);
    expect(batched.raw.some((f) => f.type === 'batch')).toBe(true);
    expect(plain.raw.some((f) => f.type === 'batch')).toBe(false);
    const order = (frames: Frame[]) => frames.map((f) => `${f.seq}:${f.text}`);
    expect(order(inBatched)).toEqual(order(inPlain));
    expect(inPlain.map((f) => f.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    for (const c of [batched, plain, sender]) c.close();
  });
});
