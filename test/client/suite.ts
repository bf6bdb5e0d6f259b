// One client test suite, run against both clients (the Node client in test/client/node.test.ts, the
// browser client in Chromium in test/client/browser.test.ts): they share one core, and this holds them to
// one behaviour through one API.
import { describe, expect, it } from 'vitest';
import type { Hooks } from '../../src/ports/hooks.js';
import { connectEngine, type TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Options a suite client is opened with: those of `connect` that both clients take. */
export interface SuiteOptions {
  nick?: string;
  ns?: string;
  backoff?: { initialMs: number; maxMs: number; factor?: number; jitter?: number };
}

/** A failure as the suite sees it: the ClientError's code and message. */
export interface Failure {
  code: string;
  message: string;
}

/** The outcome of a client call: its value, or the error it rejected with. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: Failure };

/** Marks an argument that the driver turns into a Uint8Array of these bytes in the client's own realm. */
export interface Bytes {
  $bytes: number[];
}

/** One client under test, driven from the test process. */
export interface DrivenClient {
  /** Calls a method of the client API with JSON arguments (and Bytes); settles as it settles. */
  call(method: string, ...args: unknown[]): Promise<Outcome>;
  /** Reads a property of the client (`state`, `rooms`, `nick`, `transport`, `session`). */
  get(property: string): Promise<unknown>;
  /** The payloads of every event `name` fired so far, in order. */
  events(name: string): Promise<unknown[]>;
}

/** How a suite reaches one kind of client. */
export interface ClientDriver {
  /** Opens a client connected to `server`. */
  open(server: TestServer, options: SuiteOptions): Promise<DrivenClient>;
  /** Releases whatever the driver holds for the test (pages, clients). */
  cleanup(): Promise<void>;
}

/** What a message event carries, as far as the suite reads it. */
interface Heard {
  room: string;
  seq: number;
  text: string;
  from: string;
}

/** Every transport, so each driver finds its own. */
const ALL = ['engineio', 'rawws', 'sse', 'tcp'];

const ok = (value: unknown): Outcome => ({ ok: true, value });

async function heard(client: DrivenClient): Promise<Heard[]> {
  return (await client.events('message')) as Heard[];
}

async function talkerIn(server: TestServer, room: string): Promise<TestClient> {
  const talker = await connectEngine(server.url, 'websocket');
  await talker.hello({ nick: 'talker' });
  await talker.request({ type: 'join', room });
  return talker;
}

/** Waits until `read` gives a value `check` accepts (no sleeping: polled until the timeout). */
async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => void,
  timeout = 10_000,
): Promise<T> {
  let last: T | undefined;
  await expect
    .poll(
      async () => {
        last = await read();
        try {
          check(last);
          return true;
        } catch {
          return false;
        }
      },
      { timeout, interval: 50 },
    )
    .toBe(true);
  check(last as T);
  return last as T;
}

const HOOKS: Hooks = {
  events: { sum: ({ data }) => (data as number[]).reduce((a, b) => a + b, 0) },
};

/** Defines the shared client tests for one driver; `name` tells the client and transport. */
export function clientSuite(name: string, driver: () => ClientDriver): void {
  describe(`the client suite: ${name}`, () => {
    const run = (title: string, body: (d: ClientDriver) => Promise<void>, timeout = 30_000) =>
      it(
        title,
        async () => {
          const d = driver();
          try {
            await body(d);
          } finally {
            await d.cleanup();
          }
        },
        timeout,
      );

    run('joins, says and hears in per-room order, with acks, members and presence', async (d) => {
      await using server = await startServer({ transports: ALL, ratePerSec: 0 });
      const talker = await talkerIn(server, 'r');
      const client = await d.open(server, { nick: 'suite' });
      await eventually(
        () => client.get('state'),
        (s) => expect(s).toBe('open'),
      );
      expect(await client.get('nick')).toBe('suite');
      const joined = await client.call('join', 'r');
      expect(joined).toMatchObject(ok({ room: 'r', seq: 0, members: expect.arrayContaining(['talker']) }));
      expect(await client.events('members')).toEqual([{ room: 'r', members: expect.any(Array) }]);
      expect(await client.call('say', 'r', 'hello')).toMatchObject(ok({ seq: 1, cid: expect.any(String) }));
      for (const text of ['a', 'b', 'c']) await talker.request({ type: 'say', room: 'r', text });
      const messages = await eventually(
        () => heard(client),
        (m) => expect(m).toHaveLength(4),
      );
      expect(messages.map((m) => [m.seq, m.from, m.text])).toEqual([
        [1, 'suite', 'hello'],
        [2, 'talker', 'a'],
        [3, 'talker', 'b'],
        [4, 'talker', 'c'],
      ]);
      expect((await client.events('outgoing')).map((o) => (o as { state: string }).state)).toContain('sent');
      // Someone else arriving and leaving is told as presence.
      const other = await connectEngine(server.url, 'polling');
      await other.hello({ nick: 'other' });
      await other.request({ type: 'join', room: 'r' });
      await other.request({ type: 'leave', room: 'r' });
      await eventually(
        () => client.events('presence'),
        (p) =>
          expect(p).toEqual([
            expect.objectContaining({ room: 'r', event: 'join', nick: 'other' }),
            expect.objectContaining({ room: 'r', event: 'leave', nick: 'other' }),
          ]),
      );
      expect(await client.call('who', 'r')).toEqual(ok(['talker', 'suite']));
      expect(await client.call('request', { type: 'ping' })).toMatchObject(ok({ type: 'ack' }));
      other.close();
      talker.close();
    });

    run("answers an emit with a server handler's reply, refuses binary data, and relays JSON", async (d) => {
      await using server = await startServer({ transports: ALL, ratePerSec: 0 }, { hooks: HOOKS });
      const ear = await talkerIn(server, 'r');
      const client = await d.open(server, { nick: 'adder' });
      expect(await client.call('join', 'r')).toMatchObject({ ok: true });
      expect(await client.call('emit', 'r', 'sum', [1, 2, 3])).toEqual(ok(6));
      const bytes: Bytes = { $bytes: [1, 2, 3] };
      const refused = await client.call('emit', 'r', 'file', bytes);
      expect(refused).toMatchObject({ ok: false, error: { code: 'binary_data' } });
      expect(await client.call('emit', 'r', 'plain', { base64: 'AQID' })).toEqual(ok(undefined));
      expect(await ear.next('event', (e) => e.event === 'plain')).toMatchObject({
        from: 'adder',
        data: { base64: 'AQID' },
      });
      expect(ear.frames.filter((f) => f.type === 'event' && f.event === 'file')).toHaveLength(0);
      ear.close();
    });

    run('rejects a refused request with its code, and leaves no room behind', async (d) => {
      await using server = await startServer({ transports: ALL, ratePerSec: 0 });
      const client = await d.open(server, { nick: 'refused' });
      const join = await client.call('join', 'no spaces');
      expect(join).toMatchObject({ ok: false, error: { code: 'invalid_room' } });
      expect(await client.get('rooms')).toEqual([]);
      expect(await client.call('say', 'nowhere', '')).toMatchObject({
        ok: false,
        error: { code: 'invalid_text' },
      });
      expect(await client.call('request', { type: 'join', room: 'r' })).toMatchObject({
        ok: false,
        error: { code: 'use_method' },
      });
      expect(await client.call('setNick', 'renamed')).toEqual(ok('renamed'));
      expect(await client.events('nick')).toContain('renamed');
    });

    run(
      'reconnects after the connection drops, resumes with a gap, replays once, and sends what was typed while away',
      async (d) => {
        await using server = await startServer({ transports: ALL, historyLimit: 3, ratePerSec: 0 });
        const talker = await talkerIn(server, 'r');
        // A fixed reconnect delay, long beside the few local requests the test makes while the client is away.
        const client = await d.open(server, {
          nick: 'cc',
          backoff: { initialMs: 1500, maxMs: 1500, jitter: 0 },
        });
        expect(await client.call('join', 'r')).toMatchObject(ok({ seq: 0 }));
        await talker.request({ type: 'say', room: 'r', text: 'm1' });
        await eventually(
          () => heard(client),
          (m) => expect(m).toHaveLength(1),
        );
        const session = await client.get('session');

        // The server drops the connection (no bye): the client must come back on its own.
        const mark = talker.frames.length;
        [...server.app.switchboard.hub.sessions].find((s) => s.nick === 'cc')?.conn.close();
        await eventually(
          () => client.get('state'),
          (s) => expect(s).toBe('reconnecting'),
        );
        const typed = client.call('say', 'r', 'typed while away');
        for (let i = 2; i <= 6; i++) await talker.request({ type: 'say', room: 'r', text: `m${i}` });

        expect(await typed).toMatchObject(ok({ seq: 7 }));
        const messages = await eventually(
          () => heard(client),
          (m) => expect(m).toHaveLength(5),
        );
        expect(messages.map((m) => m.seq)).toEqual([1, 4, 5, 6, 7]);
        expect(await client.get('state')).toBe('open');
        expect(await client.get('session')).toBe(session);
        expect(await client.events('gap')).toEqual([
          expect.objectContaining({ room: 'r', reason: 'trimmed', from: 2, to: 3 }),
        ]);
        expect(await client.events('resumed')).toEqual([
          expect.objectContaining({ rooms: { r: expect.objectContaining({ seq: 6, replayed: 3 }) } }),
        ]);
        expect(await talker.next('message', (m) => m.text === 'typed while away')).toMatchObject({
          from: 'cc',
        });
        // Stored once although it may have been sent twice.
        expect(
          talker.frames.filter((f) => f.type === 'message' && f.text === 'typed while away'),
        ).toHaveLength(1);
        // The others saw no leave and no join: a resume within the grace is the same member.
        const after = talker.frames.slice(mark);
        expect(after.filter((f) => f.type === 'presence' && f.nick === 'cc')).toEqual([]);
        talker.close();
      },
      45_000,
    );

    run(
      'closes for good: pending and later calls reject with closed, and the others are told at once',
      async (d) => {
        await using server = await startServer({ transports: ALL, ratePerSec: 0 });
        const talker = await talkerIn(server, 'r');
        const client = await d.open(server, { nick: 'leaver' });
        expect(await client.call('join', 'r')).toMatchObject({ ok: true });
        expect(await client.call('close')).toEqual(ok(undefined));
        expect(await client.get('state')).toBe('closed');
        expect(await client.call('say', 'r', 'too late')).toMatchObject({
          ok: false,
          error: { code: 'closed' },
        });
        expect(await client.call('who', 'r')).toMatchObject({ ok: false, error: { code: 'closed' } });
        // A quit, not a drop: the leave comes now, not after the presence grace.
        expect(
          await talker.next('presence', (p) => p.nick === 'leaver' && p.event === 'leave'),
        ).toMatchObject({
          room: 'r',
        });
        talker.close();
      },
    );
  });
}
