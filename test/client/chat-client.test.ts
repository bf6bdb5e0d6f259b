import { describe, expect, it } from 'vitest';
import { ChatClient, type ClientEvent, RequestError } from '../../src/client/client.js';
import { type DialOptions, dialer } from '../../src/client/dial.js';
import type { Frame } from '../../src/lineui/render.js';
import { connectEngine } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const ALL = ['engineio', 'rawws', 'tcp'];

const URLS: { name: string; url: (s: TestServer) => string; options: DialOptions }[] = [
  { name: 'tcp://', url: (s) => `tcp://127.0.0.1:${s.tcpPort}`, options: {} },
  { name: 'ws://', url: (s) => `ws://127.0.0.1:${s.port}/ws`, options: {} },
  { name: 'http:// websocket', url: (s) => s.url, options: { transport: 'websocket' } },
  { name: 'http:// polling', url: (s) => s.url, options: { transport: 'polling' } },
];

/** A dial that waits while the test holds its gate: the client stays away exactly as long as the test wants. */
function gatedDial(dial: ReturnType<typeof dialer>) {
  let gate = Promise.resolve();
  let release = () => {};
  return {
    dial: async () => {
      await gate;
      return dial();
    },
    hold: () => {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    release: () => release(),
  };
}

describe.each(URLS)('ChatClient over $name', ({ url, options }) => {
  it('reconnects, resumes with gap, replays once, and sends what was typed while away', async () => {
    await using server = await startServer({ transports: ALL, historyLimit: 3, ratePerSec: 0 });
    const talker = await connectEngine(server.url, 'websocket');
    await talker.hello({ nick: 'talker' });
    await talker.request({ type: 'join', room: 'r' });

    const gated = gatedDial(dialer(url(server), options));
    const client = new ChatClient({ dial: gated.dial, nick: 'cc', retry: { initialMs: 5, maxMs: 20 } });
    const events: ClientEvent[] = [];
    client.on((e) => events.push(e));
    const frames = () => events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
    const waitFrames = async (pred: (f: Frame) => boolean, count: number) => {
      await expect.poll(() => frames().filter(pred).length, { timeout: 5000 }).toBeGreaterThanOrEqual(count);
    };
    await client.start();
    expect(await client.join('r')).toMatchObject({ type: 'ack', seq: 0 });
    await talker.request({ type: 'say', room: 'r', text: 'm1' });
    await waitFrames((f) => f.type === 'message', 1);

    // The server drops the connection (no bye): the client must come back on its own.
    gated.hold();
    const session = [...server.app.switchboard.hub.sessions].find((s) => s.nick === 'cc');
    session?.conn.close();
    await expect.poll(() => client.state).toBe('reconnecting');
    const typed = client.say('r', 'typed while away');
    for (let i = 2; i <= 6; i++) await talker.request({ type: 'say', room: 'r', text: `m${i}` });
    gated.release();

    expect(await typed).toMatchObject({ type: 'ack', seq: 7 });
    await waitFrames((f) => f.type === 'message', 5);
    expect(client.state).toBe('open');
    const messages = frames().filter((f) => f.type === 'message');
    expect(messages.map((m) => m.seq)).toEqual([1, 4, 5, 6, 7]);
    expect(frames().find((f) => f.type === 'gap')).toMatchObject({
      room: 'r',
      reason: 'trimmed',
      from: 2,
      to: 3,
    });
    expect(frames().find((f) => f.type === 'resumed')).toMatchObject({
      rooms: { r: { seq: 6, replayed: 3 } },
    });
    expect(client.rooms.get('r')).toMatchObject({ seq: 7 });
    expect(await talker.next('message', (m) => m.text === 'typed while away')).toMatchObject({ from: 'cc' });

    await expect(client.request({ type: 'join', room: 'no spaces' })).rejects.toMatchObject({
      code: 'invalid_room',
    });
    client.close();
    await expect(client.who('r')).rejects.toBeInstanceOf(RequestError);
    talker.close();
  });
});
