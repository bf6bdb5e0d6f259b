import { describe, expect, it } from 'vitest';
import { connectEngine, connectRawWs, type Frame, type TestClient } from '../helpers/client.js';
import { connectionGone, startServer } from '../helpers/server.js';

/** 4,000 control characters: each one is six bytes once JSON-escaped, so a message is ~24 KB on the wire. */
const ESCAPE_HEAVY = '\u0001'.repeat(4000);
const AWAY = 180;

type Dial = (url: string) => Promise<TestClient>;

const dials: [string, Dial][] = [
  ['raw WebSocket', (url) => connectRawWs(url)],
  ['engine.io polling', (url) => connectEngine(url, 'polling')],
];

describe.each(dials)('paged replay on resume over %s', (_name, dial) => {
  it('resumes past 180 escape-heavy messages with a welcome and every message in order, no slow_consumer', async () => {
    await using server = await startServer({ ratePerSec: 0 });
    const talker = await connectRawWs(server.url);
    await talker.hello({ nick: 'talker' });
    await talker.request({ type: 'join', room: 'r' });
    const alice = await dial(server.url);
    const welcome = await alice.hello({ nick: 'alice', caps: ['pages'] });
    const joined = await alice.request({ type: 'join', room: 'r' });
    alice.close();
    // Its connection is gone on the server (with PRESENCE_GRACE_MS set it would still be present).
    await connectionGone(server, 'alice');
    for (let i = 1; i <= AWAY; i++)
      talker.send({ type: 'say', room: 'r', text: `${i} ${ESCAPE_HEAVY}`.slice(0, 4000) });
    await talker.waitCount((f) => f.type === 'message', AWAY, 60_000);

    const back = await dial(server.url);
    back.send({
      type: 'hello',
      nick: 'alice',
      caps: ['pages'],
      resume: { session: welcome.session, rooms: { r: { epoch: joined.epoch, seq: Number(joined.seq) } } },
    });
    const resumed = await back.next('resumed');
    const info = (resumed.rooms as Record<string, Frame>).r as Frame;
    expect(info.more).toBe(true);
    expect(Number(info.replayed)).toBeLessThan(AWAY);
    const seen = back.frames.filter((f) => f.type === 'message').map((f) => Number(f.seq));
    let after = Number(info.seq);
    let more = true;
    while (more) {
      const page = await back.request({ type: 'history', room: 'r', after });
      const messages = page.messages as Frame[];
      seen.push(...messages.map((m) => Number(m.seq)));
      after = Number(messages.at(-1)?.seq ?? after);
      more = page.more === true;
    }
    expect(back.frames[0]).toMatchObject({ type: 'welcome', session: welcome.session });
    expect(seen).toEqual(Array.from({ length: AWAY }, (_, i) => i + 1));
    expect(back.frames.some((f) => f.type === 'bye')).toBe(false);

    // Live again once the pull reached the end.
    await talker.request({ type: 'say', room: 'r', text: 'live' });
    await back.waitFor((f) => f.type === 'message' && f.text === 'live', 'live message');
    expect(back.frames.filter((f) => f.type === 'message').at(-1)?.seq).toBe(AWAY + 1);
    back.close();
    talker.close();
  }, 120_000);
});
