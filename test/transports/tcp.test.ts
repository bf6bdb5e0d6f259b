import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectEngine, connectTcp, type Frame } from '../helpers/client.js';
import { LineCollector } from '../helpers/lines.js';
import { startServer, type TestServer } from '../helpers/server.js';

const TCP = ['engineio', 'rawws', 'tcp'];

/** A plain TCP socket typing lines, the way a person at `nc 127.0.0.1 7000` does. */
async function nc(server: TestServer) {
  const socket = connect(server.tcpPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const out = new LineCollector(socket);
  return {
    socket,
    out,
    /** Types a line; the returned mark lets a test wait only for lines printed after it. */
    type(line: string): number {
      const mark = out.lines.length;
      socket.write(`${line}\n`);
      return mark;
    },
  };
}

/** The JSON frames among a collector's lines. */
const framesOf = (out: LineCollector): Frame[] =>
  out.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Frame);

describe('TCP text mode', () => {
  it('lets a person at nc chat with an engine.io client in the same room', async () => {
    await using server = await startServer({ transports: TCP });
    const person = await nc(server);
    await person.out.waitFor(/^\* Switchboard\. Type a nick/);
    let mark = person.type('/who');
    await person.out.waitFor('! Choose a nick first: type it and press Enter.', mark);
    person.type('alice');
    await person.out.waitFor('* You are alice.');
    await person.out.waitFor('* You joined lobby (1 here: alice).');

    const bob = await connectEngine(server.url, 'websocket');
    await bob.hello({ nick: 'bob' });
    await bob.request({ type: 'join', room: 'lobby' });
    await person.out.waitFor('* bob joined lobby (2 here)');
    await bob.request({ type: 'say', room: 'lobby', text: 'hi alice' });
    await person.out.waitFor('[lobby] bob: hi alice');

    mark = person.type('hello bob');
    expect(await bob.next('message', (m) => m.from === 'alice')).toMatchObject({
      room: 'lobby',
      text: 'hello bob',
    });
    await person.out.waitFor('[lobby] alice: hello bob', mark);

    mark = person.type('/who');
    await person.out.waitFor('* In lobby: alice, bob.', mark);
    mark = person.type('/join side');
    await person.out.waitFor('* You joined side (1 here: alice).', mark);
    person.type('only in side');
    mark = person.type('/rooms');
    await person.out.waitFor('* Your rooms: lobby, side (current).', mark);
    await person.out.waitFor('[side] alice: only in side');
    mark = person.type('/nick alicia');
    await person.out.waitFor('* You are now alicia.', mark);
    expect(await bob.next('presence', (p) => p.event === 'leave')).toMatchObject({
      nick: 'alice',
      renamed: 'alicia',
    });
    mark = person.type('/leave side');
    await person.out.waitFor('* You left side; now talking in lobby.', mark);

    await bob.request({ type: 'emit', room: 'lobby', event: 'typing', data: true });
    await person.out.waitFor('[lobby] * bob typing true');
    // Control characters from others are shown escaped, never passed to the terminal.
    await bob.request({ type: 'say', room: 'lobby', text: 'red\u001b[31m' });
    await person.out.waitFor('[lobby] bob: red\\u001b[31m');

    mark = person.type('/bogus');
    await person.out.waitFor('! Unknown command /bogus; /help lists them.', mark);
    mark = person.type('/help');
    await person.out.waitFor(/^\*\s+\/quit/, mark);
    mark = person.type('/join bad room');
    await person.out.waitFor(/^! invalid_room: /, mark);
    mark = person.type('{"type":"ping","id":5}');
    expect(JSON.parse(await person.out.waitFor(/^\{"type":"ack","id":5/, mark))).toMatchObject({
      serverTime: expect.any(Number),
    });
    // A JSON request typed with an id the adapter also uses for its own requests gets its own answer,
    // with its id, as JSON.
    mark = person.type('{"type":"say","room":"nowhere","text":"x","id":1}');
    expect(JSON.parse(await person.out.waitFor(/^\{"type":"error","id":1/, mark))).toMatchObject({
      code: 'not_in_room',
    });
    mark = person.type('still here');
    expect(await bob.next('message', (m) => m.from === 'alicia')).toMatchObject({ text: 'still here' });

    mark = person.type('/quit');
    await person.out.waitFor('* Bye.', mark);
    await person.out.waitEnded();
    expect(await bob.next('presence', (p) => p.event === 'leave' && p.nick === 'alicia')).toMatchObject({
      members: 1,
    });
    bob.close();
  });
});

describe('TCP lines transport', () => {
  it('answers a line over the limit with frame_too_large, discards the rest of it, and keeps the connection', async () => {
    await using server = await startServer({ transports: TCP, maxFrameBytes: 4096 });
    const raw = await nc(server);
    raw.type('{"type":"hello","nick":"long"}');
    await raw.out.waitFor(/"type":"welcome"/);
    // Far over the limit, in pieces, like a stream that never ends a line: one error, nothing buffered.
    raw.socket.write('{"type":"ping","pad":"');
    for (let i = 0; i < 40; i++) raw.socket.write('x'.repeat(1024));
    raw.socket.write('"}\n{"type":"ping","id":2}\n');
    const ack = await raw.out.waitFor(/"type":"ack","id":2/);
    expect(JSON.parse(ack)).toMatchObject({ type: 'ack', id: 2 });
    expect(framesOf(raw.out).filter((f) => f.type === 'error')).toEqual([
      { type: 'error', code: 'frame_too_large', message: expect.stringContaining('4096') },
    ]);
    raw.socket.write(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]));
    await raw.out.waitFor(/"code":"bad_frame".*UTF-8/);
    raw.type('{"type":"ping","id":3}');
    await raw.out.waitFor(/"type":"ack","id":3/);
    raw.socket.end();
  });

  it('drops a peer whose line stays unfinished past the line timeout, and keeps an idle one', async () => {
    await using server = await startServer({ transports: TCP, tcpLineTimeoutMs: 50 });
    const idle = await connectTcp(server.tcpPort);
    await idle.hello({ nick: 'idle' });
    const stalled = await nc(server);
    stalled.socket.write('{"type":"hello","ni');
    await stalled.out.waitEnded();
    expect(framesOf(stalled.out).at(-1)).toMatchObject({
      type: 'bye',
      code: 'kicked',
      message: expect.stringContaining('50 ms'),
    });
    expect(idle.closed).toBe(false);
    expect(await idle.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    idle.close();
  });

  it('drops a peer that never reads (bye slow_consumer) instead of buffering without bound', async () => {
    const maxBufferBytes = 65536;
    await using server = await startServer({ transports: TCP, ratePerSec: 0, maxBufferBytes });
    const slow = await nc(server);
    slow.type('{"type":"hello","nick":"slow"}');
    slow.type('{"type":"join","room":"r","id":1}');
    await slow.out.waitFor(/"type":"ack","id":1/);
    const session = [...server.app.switchboard.hub.sessions].find((s) => s.nick === 'slow');
    expect(session).toBeDefined();
    slow.socket.pause();

    const sender = await connectTcp(server.tcpPort);
    await sender.hello({ nick: 'sender' });
    await sender.request({ type: 'join', room: 'r' });
    const reader = await connectTcp(server.tcpPort);
    await reader.hello({ nick: 'reader' });
    await reader.request({ type: 'join', room: 'r' });
    // Each round is well under the bound, so only a peer that stops reading can fall behind by it.
    const data = 'z'.repeat(4000);
    let rounds = 0;
    let peak = 0;
    // Bounded: at most 2,000 rounds of 40 kB, far past any socket buffer; stops once the server gives up.
    while (!session?.isClosed && rounds < 2000) {
      for (let i = 0; i < 10; i++) sender.send({ type: 'emit', room: 'r', event: 'blob', data });
      rounds++;
      await sender.request({ type: 'ping' });
      if (!session?.isClosed) peak = Math.max(peak, session?.conn.bufferedBytes() ?? 0);
    }
    expect(session?.isClosed).toBe(true);
    // What the server held for the slow peer never went far past the bound.
    expect(peak).toBeLessThanOrEqual(maxBufferBytes + 10 * 4100);
    await reader.waitCount((f) => f.type === 'event', rounds * 10, 15_000);
    expect(reader.closed).toBe(false);
    slow.socket.resume();
    await slow.out.waitEnded(15_000);
    expect(framesOf(slow.out).at(-1)).toMatchObject({ type: 'bye', code: 'slow_consumer' });
    expect(await sender.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    sender.close();
    reader.close();
  });
});
