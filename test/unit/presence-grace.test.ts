import { describe, expect, it } from 'vitest';
import { testHub } from '../helpers/memory-connection.js';

describe('presence grace after a dropped connection', () => {
  const setup = async () => {
    const t = testHub({
      limits: { presenceGraceMs: 5000 },
    });
    const watcher = t.connect();
    watcher.send({ type: 'hello', nick: 'watcher' });
    watcher.send({ type: 'join', room: 'r' });
    const pat = t.connect();
    pat.send({ type: 'hello', nick: 'pat' });
    pat.send({ type: 'join', room: 'r', id: 1 });
    await t.settle();
    const welcome = pat.conn.frames().find((f) => f.type === 'welcome') as unknown as { session: string };
    const epoch = (pat.conn.frames().find((f) => f.id === 1) as unknown as { epoch: string }).epoch;
    const presences = () => watcher.conn.frames().filter((f) => f.type === 'presence' && f.nick === 'pat');
    return { t, watcher, pat, session: welcome.session, epoch, presences };
  };

  it('a resume within the grace is no leave and no join, and nothing said meanwhile is lost', async () => {
    const { t, watcher, pat, session, epoch, presences } = await setup();
    pat.conn.closed = true;
    pat.session.closed();
    watcher.send({ type: 'say', room: 'r', text: 'while away' });
    await t.settle();
    t.advance(3000);
    t.hub.sweepParked(1_000_000 + 3000);
    expect((await t.hub.options.presence.members('/', 'r')).sort()).toEqual(['pat', 'watcher']);
    const back = t.connect();
    back.send({ type: 'hello', nick: 'pat', resume: { session, rooms: { r: { epoch, seq: 0 } } } });
    await t.settle();
    expect(back.conn.frames().find((f) => f.type === 'welcome')).toMatchObject({ session, nick: 'pat' });
    expect(back.conn.frames().find((f) => f.type === 'message')).toMatchObject({ text: 'while away' });
    // Past the grace nothing happens either: the session is back.
    t.advance(10_000);
    t.hub.sweepParked(1_000_000 + 13_000);
    await t.settle();
    expect(presences().map((f) => f.event)).toEqual(['join']);
  });

  it('without a resume the rooms are told after the grace, and the nick is free', async () => {
    const { t, pat, presences } = await setup();
    pat.session.closed();
    await t.settle();
    expect(presences().map((f) => f.event)).toEqual(['join']);
    t.advance(5000);
    t.hub.sweepParked(1_000_000 + 5000);
    await t.settle();
    expect(presences().map((f) => f.event)).toEqual(['join', 'leave']);
    expect(await t.hub.options.presence.members('/', 'r')).toEqual(['watcher']);
  });

  it('a new session asking for the nick of a session in its grace gets it; the old one leaves then', async () => {
    const { t, pat, presences } = await setup();
    pat.session.closed();
    const reloaded = t.connect();
    reloaded.send({ type: 'hello', nick: 'pat' });
    await t.settle();
    expect(reloaded.conn.frames().find((f) => f.type === 'welcome')).toMatchObject({ nick: 'pat' });
    expect(presences().map((f) => f.event)).toEqual(['join', 'leave']);
  });

  it('a connection ended on purpose (too many bad frames) leaves at once', async () => {
    const { t, pat, presences } = await setup();
    for (let i = 0; i < 20; i++) pat.send('not json');
    await t.settle();
    expect(pat.conn.closed).toBe(true);
    expect(presences().map((f) => f.event)).toEqual(['join', 'leave']);
  });
});

describe('presence grace off (PRESENCE_GRACE_MS=0, the default)', () => {
  it('a dropped connection leaves at once', async () => {
    const t = testHub();
    const watcher = t.connect();
    watcher.send({ type: 'hello', nick: 'watcher' });
    watcher.send({ type: 'join', room: 'r' });
    const pat = t.connect();
    pat.send({ type: 'hello', nick: 'pat' });
    pat.send({ type: 'join', room: 'r' });
    await t.settle();
    pat.session.closed();
    await t.settle();
    expect(
      watcher.conn
        .frames()
        .filter((f) => f.type === 'presence')
        .map((f) => f.event),
    ).toEqual(['join', 'leave']);
  });
});
