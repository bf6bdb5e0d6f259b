import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectEngine } from '../helpers/client.js';
import { LineCollector } from '../helpers/lines.js';
import { startServer, type TestServer } from '../helpers/server.js';

const MAIN = 'dist/src/cli/main.js';
const ALL = ['engineio', 'rawws', 'tcp'];

/** Runs the built `switchboard chat` with piped stdin, collecting its stdout lines. */
function chatCli(args: string[]) {
  const child = spawn(process.execPath, [MAIN, 'chat', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out = new LineCollector(child.stdout);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return {
    out,
    exited,
    stderr: () => stderr,
    /** Types a line; the mark lets a test wait only for what is printed after it. */
    type(line: string): number {
      const mark = out.lines.length;
      child.stdin.write(`${line}\n`);
      return mark;
    },
    kill: () => child.kill(),
  };
}

/** Someone already in the lobby, over engine.io, to chat with. */
async function bob(server: TestServer) {
  const c = await connectEngine(server.url, 'websocket');
  await c.hello({ nick: 'bob' });
  await c.request({ type: 'join', room: 'lobby' });
  return c;
}

const FORMS: { name: string; url: (s: TestServer) => string; args: string[]; transport: string }[] = [
  { name: 'tcp://host:port', url: (s) => `tcp://127.0.0.1:${s.tcpPort}`, args: [], transport: 'tcp' },
  { name: 'ws://host:port/ws', url: (s) => `ws://127.0.0.1:${s.port}/ws`, args: [], transport: 'rawws' },
  { name: 'http://host:port', url: (s) => s.url, args: [], transport: 'websocket' },
  {
    name: 'http://host:port --transport polling',
    url: (s) => s.url,
    args: ['--transport', 'polling'],
    transport: 'polling',
  },
];

describe('switchboard chat (the built CLI)', () => {
  it.each(FORMS)('chats over $name', async ({ url, args, transport }) => {
    await using server = await startServer({ transports: ALL });
    const other = await bob(server);
    const cli = chatCli([url(server), '--nick', 'cli', ...args]);
    await cli.out.waitFor(`* Connected as cli over ${transport}.`);
    await cli.out.waitFor('* You joined lobby (2 here: bob, cli).');
    await other.request({ type: 'say', room: 'lobby', text: 'hi cli' });
    await cli.out.waitFor('[lobby] bob: hi cli');
    cli.type('hello bob');
    expect(await other.next('message', (m) => m.from === 'cli')).toMatchObject({
      room: 'lobby',
      text: 'hello bob',
    });
    let mark = cli.type('/who');
    await cli.out.waitFor('* In lobby: bob, cli.', mark);
    mark = cli.type('/join side');
    await cli.out.waitFor('* You joined side (1 here: cli).', mark);
    mark = cli.type('/nick clio');
    await cli.out.waitFor('* You are now clio.', mark);
    mark = cli.type('/leave side');
    await cli.out.waitFor('* You left side; now talking in lobby.', mark);
    mark = cli.type('/join no spaces');
    await cli.out.waitFor(/^! invalid_room: /, mark);
    cli.type('as clio');
    expect(await other.next('message', (m) => m.from === 'clio')).toMatchObject({ text: 'as clio' });
    mark = cli.type('/quit');
    await cli.out.waitFor('* Bye.', mark);
    expect(await cli.exited).toBe(0);
    expect(await other.next('presence', (p) => p.event === 'leave' && p.nick === 'clio')).toMatchObject({
      members: 1,
    });
    other.close();
  });

  it('reconnects with backoff after the server restarts, resumes, and shows the gap', async () => {
    const first = await startServer({ transports: ALL });
    const port = first.port;
    const before = await bob(first);
    const cli = chatCli([`ws://127.0.0.1:${port}/ws`, '--nick', 'cli', '--retry-ms', '50']);
    await cli.out.waitFor('* You joined lobby (2 here: bob, cli).');
    await before.request({ type: 'say', room: 'lobby', text: 'before the restart' });
    await cli.out.waitFor('[lobby] bob: before the restart');
    let mark = cli.out.lines.length;
    await first.close();
    await cli.out.waitFor(/^\* server said bye \(shutdown\); retrying in \d+\.\d s\.$/, mark);

    await using second = await startServer({ transports: ALL, port });
    mark = cli.out.lines.length;
    await cli.out.waitFor('* Reconnected as cli over rawws.', mark);
    // A fresh server has a fresh history: the resume is told so, and nothing is replayed twice.
    await cli.out.waitFor('! [lobby] the history was reset; earlier messages are gone', mark);
    await cli.out.waitFor('* Resumed lobby: 0 missed message(s).', mark);
    const after = await bob(second);
    expect(await after.request({ type: 'who', room: 'lobby' })).toMatchObject({ members: ['cli', 'bob'] });
    await after.request({ type: 'say', room: 'lobby', text: 'after the restart' });
    await cli.out.waitFor('[lobby] bob: after the restart', mark);
    cli.type('back again');
    expect(await after.next('message', (m) => m.from === 'cli')).toMatchObject({
      text: 'back again',
      seq: 2,
    });
    cli.type('/quit');
    expect(await cli.exited).toBe(0);
    expect(cli.out.lines.filter((l) => l === '[lobby] bob: before the restart')).toHaveLength(1);
    after.close();
  });

  it('gives up a first room it could not join, instead of saying lines into it', async () => {
    await using server = await startServer({ transports: ALL });
    const cli = chatCli([`tcp://127.0.0.1:${server.tcpPort}`, '--room', 'no spaces']);
    await cli.out.waitFor(/^! invalid_room: /);
    const mark = cli.type('anyone there?');
    await cli.out.waitFor('! You are in no room: /join ROOM first.', mark);
    cli.type('/quit');
    expect(await cli.exited).toBe(0);
  });

  it('explains a URL it cannot use, with exit code 2', async () => {
    const cli = chatCli(['gopher://127.0.0.1:70']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('Unsupported URL scheme gopher:');
  });
});

describe('switchboard serve with TCP', () => {
  it('prints the TCP port it listens on, and a person can connect there', async () => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--port', '0', '--tcp-port', '0'], {
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = new LineCollector(child.stdout);
    const line = await out.waitFor(/^\s+tcp on 127\.0\.0\.1:\d+$/);
    const port = Number(line.split(':').at(-1));
    const socket = connect(port, '127.0.0.1');
    const greeting = new LineCollector(socket);
    await greeting.waitFor(/^\* Switchboard\. Type a nick/);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
    await greeting.waitEnded();
  });
});
