import { connect as tcpConnect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { connectEngine, connectRawWs, connectSse, connectTcp, type TestClient } from '../helpers/client.js';
import { LineCollector } from '../helpers/lines.js';
import { connectionGone, startServer, type TestServer } from '../helpers/server.js';

// A grace far longer than any wait here: a leave the watcher sees can only come from a leave on purpose.
const GRACE_MS = 120_000;
const ALL = ['engineio', 'rawws', 'sse', 'tcp'];

type Dial = (server: TestServer) => Promise<TestClient>;
const DIALS: [string, Dial][] = [
  ['engine.io websocket', (s) => connectEngine(s.url, 'websocket')],
  ['engine.io polling', (s) => connectEngine(s.url, 'polling')],
  ['raw WebSocket', (s) => connectRawWs(s.url)],
  ['SSE', (s) => connectSse(s.url)],
  ['TCP lines', (s) => connectTcp(s.tcpPort)],
];

async function withWatcher(server: TestServer): Promise<TestClient> {
  const watcher = await connectEngine(server.url, 'websocket');
  await watcher.hello({ nick: 'watcher' });
  await watcher.request({ type: 'join', room: 'r' });
  return watcher;
}

async function members(watcher: TestClient): Promise<unknown> {
  return ((await watcher.request({ type: 'who', room: 'r' })).members as string[]).sort();
}

describe('leaving on purpose (quit) against a presence grace', () => {
  it.each(DIALS)(
    'over %s: quit is acked, the connection closes and the room is told leave at once',
    async (_, dial) => {
      await using server = await startServer({ presenceGraceMs: GRACE_MS, transports: ALL });
      const watcher = await withWatcher(server);
      const pat = await dial(server);
      await pat.hello({ nick: 'pat' });
      await pat.request({ type: 'join', room: 'r' });
      await watcher.next('presence', (f) => f.nick === 'pat' && f.event === 'join');
      expect(await pat.request({ type: 'quit' })).toMatchObject({ type: 'ack' });
      await watcher.next('presence', (f) => f.nick === 'pat' && f.event === 'leave');
      await pat.waitClosed();
      expect(await members(watcher)).toEqual(['watcher']);
      watcher.close();
    },
  );

  it('a dropped link is kept for the grace; a quit before hello only closes', async () => {
    await using server = await startServer({ presenceGraceMs: GRACE_MS });
    const watcher = await withWatcher(server);
    const pat = await connectEngine(server.url, 'websocket');
    await pat.hello({ nick: 'pat' });
    await pat.request({ type: 'join', room: 'r' });
    // engine.io cannot tell a close from a drop: without quit the session is parked.
    pat.close();
    await connectionGone(server, 'pat');
    expect(await members(watcher)).toEqual(['pat', 'watcher']);
    const early = await connectRawWs(server.url);
    early.send({ type: 'quit' });
    await early.waitClosed();
    expect(early.frames.filter((f) => f.type === 'error')).toEqual([]);
    watcher.close();
  });

  it('raw WebSocket: the peer’s own close 1000 is a leave on purpose; 1001 and a dropped link are kept', async () => {
    await using server = await startServer({ presenceGraceMs: GRACE_MS });
    const watcher = await withWatcher(server);
    const open = async (nick: string) => {
      const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws`, ['switchboard.v1']);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify({ type: 'hello', nick }));
      ws.send(JSON.stringify({ type: 'join', room: 'r' }));
      await watcher.next('presence', (f) => f.nick === nick && f.event === 'join');
      return ws;
    };
    (await open('normal')).close(1000);
    await watcher.next('presence', (f) => f.nick === 'normal' && f.event === 'leave');
    (await open('away')).close(1001);
    (await open('cut')).terminate();
    await connectionGone(server, 'away');
    await connectionGone(server, 'cut');
    expect(await members(watcher)).toEqual(['away', 'cut', 'watcher']);
    watcher.close();
  });

  it('TCP: end of input and text mode /quit leave at once; a reset is kept for the grace', async () => {
    await using server = await startServer({ presenceGraceMs: GRACE_MS, transports: ALL });
    const watcher = await withWatcher(server);
    const port = server.tcpPort;
    const texter = tcpConnect(port, '127.0.0.1');
    const lines = new LineCollector(texter);
    texter.write('typist\n/join r\n');
    await watcher.next('presence', (f) => f.nick === 'typist' && f.event === 'join');
    texter.write('/quit\n');
    await watcher.next('presence', (f) => f.nick === 'typist' && f.event === 'leave');
    await lines.waitFor(/Bye/);

    const eof = await connectTcp(port);
    await eof.hello({ nick: 'eof' });
    await eof.request({ type: 'join', room: 'r' });
    eof.close();
    await watcher.next('presence', (f) => f.nick === 'eof' && f.event === 'leave');

    const reset = tcpConnect(port, '127.0.0.1');
    reset.write('{"type":"hello","nick":"reset"}\n{"type":"join","room":"r"}\n');
    await watcher.next('presence', (f) => f.nick === 'reset' && f.event === 'join');
    reset.resetAndDestroy();
    await connectionGone(server, 'reset');
    expect(await members(watcher)).toEqual(['reset', 'watcher']);
    watcher.close();
  });
});
