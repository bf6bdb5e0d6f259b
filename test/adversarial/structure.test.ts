import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { assertStillChats, startHostile } from '../helpers/adversary.js';
import { connectRawWs, type Frame } from '../helpers/client.js';

const wsUrl = (url: string) => `${url.replace('http', 'ws')}/ws`;

describe('structure limits against a real gateway', () => {
  it('one 65 KB hello with a forged resume of 2,200 rooms joins only MAX_ROOMS_PER_SESSION, told once', async () => {
    await using server = await startHostile({ maxFrameBytes: 65536 });
    const rooms: Record<string, { epoch: string; seq: number }> = {};
    for (let i = 0; i < 2200; i++) rooms[`r${i}`] = { epoch: 'f', seq: 0 };
    const hello = JSON.stringify({ type: 'hello', id: 1, resume: { session: 's_forgedresume0001', rooms } });
    expect(hello.length).toBeGreaterThan(50_000);
    const mallory = await connectRawWs(server.url);
    mallory.send(hello);
    const error = await mallory.next('error');
    expect(error).toMatchObject({ code: 'too_many_rooms' });
    const resumed = (await mallory.next('resumed')) as unknown as { rooms: Record<string, unknown> };
    expect(Object.keys(resumed.rooms)).toHaveLength(100);
    expect(server.app.switchboard.hub.stats().rooms).toBe(100);
    expect(mallory.frames.filter((f) => f.type === 'error')).toHaveLength(1);
    // A rename now tells 100 rooms, not 2,200; a join past the cap is refused.
    expect(await mallory.request({ type: 'nick', nick: 'mallory2' })).toMatchObject({ type: 'ack' });
    expect(await mallory.request({ type: 'join', room: 'one-more' })).toMatchObject({
      code: 'too_many_rooms',
    });
    mallory.close();
    await assertStillChats(server);
  });

  it('namespaces past MAX_NAMESPACES are refused, and rooms left behind are freed after ROOM_IDLE_TTL_MS', async () => {
    await using server = await startHostile({ maxNamespaces: 8, roomIdleTtlMs: 200 });
    const hub = server.app.switchboard.hub;
    const clients = [];
    const answers: Frame[] = [];
    for (let i = 0; i < 16; i++) {
      const c = await connectRawWs(server.url);
      c.send({ type: 'hello', ns: `/ns${i}`, id: 1 });
      const answer = await c.waitFor((f) => f.id === 1 || f.type === 'welcome', 'hello answer');
      answers.push(answer);
      if (answer.type === 'welcome') {
        await c.request({ type: 'join', room: 'r' });
        await c.request({ type: 'say', room: 'r', text: 'x'.repeat(3000) });
      }
      clients.push(c);
    }
    expect(answers.filter((a) => a.type === 'welcome')).toHaveLength(8);
    expect(answers.filter((a) => a.type === 'error' && a.code === 'server_full')).toHaveLength(8);
    expect(hub.stats()).toMatchObject({ namespaces: 8, rooms: 8 });
    for (const c of clients) c.close();
    // Everything goes: sessions, namespaces, then (after the idle TTL) the rooms and their histories.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (hub.stats().idleRooms > 0 || hub.stats().namespaces > 0)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(hub.stats()).toMatchObject({ namespaces: 0, rooms: 0, idleRooms: 0 });
    expect((await hub.options.log.info('/ns0', 'r')).seq).toBe(0);
    await assertStillChats(server);
  });

  it('a room at MAX_MEMBERS_PER_ROOM refuses the next member with room_full and keeps chatting', async () => {
    await using server = await startHostile({ maxMembersPerRoom: 3 });
    const members = [];
    for (let i = 0; i < 3; i++) {
      const c = await connectRawWs(server.url);
      await c.hello({ nick: `m${i}` });
      await c.request({ type: 'join', room: 'full' });
      members.push(c);
    }
    const late = await connectRawWs(server.url);
    await late.hello({ nick: 'late' });
    expect(await late.request({ type: 'join', room: 'full' })).toMatchObject({ code: 'room_full' });
    expect((await members[0]?.request({ type: 'who', room: 'full' }))?.members).toHaveLength(3);
    await members[0]?.request({ type: 'say', room: 'full', text: 'still fine' });
    await members[2]?.waitFor((f) => f.type === 'message' && f.text === 'still fine', 'message');
    for (const c of [...members, late]) c.close();
    await assertStillChats(server);
  });

  it('a member that stops reading is cut with bye slow_consumer and its cursor, and resumes from it with nothing lost', async () => {
    await using server = await startHostile({ maxBufferBytes: 65536, ratePerSec: 0, maxFrameBytes: 65536 });
    const slow = new WebSocket(wsUrl(server.url));
    const got: Frame[] = [];
    let closed = false;
    slow.on('message', (data) => got.push(JSON.parse(String(data)) as Frame));
    slow.on('close', () => {
      closed = true;
    });
    await new Promise((resolve) => slow.once('open', resolve));
    slow.send(JSON.stringify({ type: 'hello', nick: 'slow' }));
    slow.send(JSON.stringify({ type: 'join', room: 'flood', id: 1 }));
    const until = async (test: () => boolean, what: string) => {
      const deadline = Date.now() + 20_000;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    await until(() => got.some((f) => f.id === 1), 'join ack');
    const sender = await connectRawWs(server.url);
    await sender.hello({ nick: 'sender' });
    await sender.request({ type: 'join', room: 'flood' });
    // The slow member's socket stops being read: kernel buffers fill, then the server's queue passes the bound.
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const text = 'y'.repeat(3900);
    let sent = 0;
    const hub = server.app.switchboard.hub;
    const total = 4000;
    for (; sent < total && !slowGone(); sent += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          sender.request({ type: 'say', room: 'flood', text: `${sent + i} ${text}` }),
        ),
      );
    }
    function slowGone() {
      return [...hub.sessions].every((s) => s.nick !== 'slow');
    }
    expect(slowGone()).toBe(true);
    // A few more while it is away.
    for (let i = 0; i < 5; i++) await sender.request({ type: 'say', room: 'flood', text: `away ${i}` });
    const last = (await sender.request({ type: 'say', room: 'flood', text: 'last' })).seq as number;
    (slow as unknown as { _socket: { resume(): void } })._socket.resume();
    await until(() => closed, 'the cut connection to close');
    const bye = got.at(-1) as unknown as {
      type: string;
      code: string;
      resume: { session: string; rooms: Record<string, { epoch: string; seq: number }> };
    };
    expect(bye).toMatchObject({ type: 'bye', code: 'slow_consumer' });
    const seen = got.filter((f) => f.type === 'message').map((f) => f.seq as number);
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => i + 1));
    expect(bye.resume.rooms.flood?.seq).toBe(seen.length);
    expect(seen.length).toBeLessThan(last);
    // Back, with the cursor the bye gave: paged replay, pulled to the end.
    const back = await connectRawWs(server.url);
    back.send({ type: 'hello', caps: ['pages'], resume: bye.resume });
    const resumed = (await back.next('resumed')) as unknown as { rooms: { flood: { more?: boolean } } };
    const replayed = () => back.frames.filter((f) => f.type === 'message').map((f) => f.seq as number);
    const pulled: number[] = [];
    let more = resumed.rooms.flood.more === true;
    while (more) {
      const after = pulled.at(-1) ?? replayed().at(-1) ?? bye.resume.rooms.flood?.seq ?? 0;
      const ack = (await back.request({ type: 'history', room: 'flood', after })) as unknown as {
        messages: { seq: number }[];
        more: boolean;
      };
      pulled.push(...ack.messages.map((m) => m.seq));
      more = ack.more;
    }
    const all = [...seen, ...replayed(), ...pulled];
    expect(all).toEqual(Array.from({ length: last }, (_, i) => i + 1));
    back.close();
    sender.close();
    await assertStillChats(server);
  });

  it('a join and a leave in one TCP chunk are each answered exactly once', async () => {
    await using server = await startHostile();
    const socket = connect(server.tcpPort, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    await new Promise((resolve) => socket.once('connect', resolve));
    const lines = [
      { type: 'hello', nick: 'chunky' },
      { type: 'join', room: 'quick', id: 1 },
      { type: 'leave', room: 'quick', id: 2 },
      { type: 'join', room: 'quick', id: 3 },
      { type: 'ping', id: 4 },
    ];
    socket.write(`${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const answers = () =>
      text
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Frame)
        .filter((f) => typeof f.id === 'number');
    const deadline = Date.now() + 10_000;
    while (answers().length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    const ids = answers().map((f) => f.id);
    expect([...ids].sort()).toEqual([1, 2, 3, 4]);
    expect(answers().every((f) => f.type === 'ack')).toBe(true);
    socket.destroy();
    await assertStillChats(server);
  });
});
