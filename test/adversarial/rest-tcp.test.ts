import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bystanders } from '../helpers/bystanders.js';
import { connectEngine, connectRawWs, connectTcp } from '../helpers/client.js';
import { LineCollector } from '../helpers/lines.js';
import { startServer, type TestServer } from '../helpers/server.js';

const TOKEN = 'adversarial-rest-token';
const ALL = ['engineio', 'rawws', 'tcp'];

const calmPair = (server: TestServer) =>
  bystanders(
    server,
    () => connectRawWs(server.url),
    () => connectEngine(server.url, 'polling'),
  );

/** POSTs `body` to the publish route with the given content type and the API token. */
const publish = (server: TestServer, room: string, body: string, type: string) =>
  fetch(`${server.url}/api/rooms/${room}/messages`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${TOKEN}` },
    body,
  });

/** True when nothing has been added to Object.prototype in this process (the server's process). */
const prototypeClean = () =>
  !Object.hasOwn(Object.prototype, 'polluted') &&
  ({} as Record<string, unknown>).polluted === undefined &&
  ({} as Record<string, unknown>).admin === undefined;

describe('hostile REST requests', () => {
  it('content-type tricks on the publish route get 415 and store nothing', async () => {
    await using server = await startServer({ apiToken: TOKEN });
    const calm = await calmPair(server);
    const body = JSON.stringify({ from: 'x', text: 'sneaky' });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonp',
      'json',
    ]) {
      const res = await publish(server, 'calm', body, type);
      expect(res.status, type).toBe(415);
      expect(await res.json()).toMatchObject({ code: 'unsupported_media_type' });
    }
    const read = await fetch(`${server.url}/api/rooms/calm/messages`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(read.status).toBe(200);
    const page = (await read.json()) as { messages: unknown[] };
    expect(page.messages.some((m) => (m as { text: string }).text === 'sneaky')).toBe(false);
    await calm.stillFine();
    calm.close();
  });

  it('prototype-pollution keys in a published body pollute nothing', async () => {
    await using server = await startServer({ apiToken: TOKEN });
    const calm = await calmPair(server);
    const raw =
      '{"from":"p","text":"proto","__proto__":{"polluted":true},"constructor":{"prototype":{"admin":true}}}';
    const res = await publish(server, 'calm', raw, 'application/json');
    expect([201, 400]).toContain(res.status);
    expect(prototypeClean()).toBe(true);
    await calm.stillFine();
    calm.close();
  });

  it('path, query and size tricks on the history route are refused with a code', async () => {
    await using server = await startServer({ apiToken: TOKEN, maxFrameBytes: 4096 });
    const calm = await calmPair(server);
    for (const path of [
      '/api/rooms/..%2F..%2Fetc%2Fpasswd/messages',
      '/api/rooms/%00/messages',
      '/api/rooms/calm/messages?limit=-1',
      '/api/rooms/calm/messages?limit=100000000',
      '/api/rooms/calm/messages?before=abc',
      '/api/rooms/calm/messages?ns=__proto__',
      `/api/rooms/${'r'.repeat(300)}/messages`,
    ]) {
      const res = await fetch(`${server.url}${path}`);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(typeof ((await res.json()) as { code: unknown }).code, path).toBe('string');
    }
    const big = await publish(
      server,
      'calm',
      JSON.stringify({ from: 'x', text: 'y'.repeat(10_000) }),
      'application/json',
    );
    expect(big.status).toBe(413);
    await calm.stillFine();
    calm.close();
  });
});

/** A raw TCP socket of the lines transport, its output collected line by line. */
async function rawTcp(server: TestServer): Promise<{ socket: Socket; out: LineCollector }> {
  const socket = connect(server.tcpPort, '127.0.0.1');
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return { socket, out: new LineCollector(socket) };
}

describe('hostile TCP lines', () => {
  it('ANSI escapes and control characters in nicks and texts never reach a text-mode terminal raw', async () => {
    await using server = await startServer({ transports: ALL });
    const calm = await calmPair(server);
    const person = await rawTcp(server);
    person.socket.write('watcher\n');
    await person.out.waitFor('* You are watcher.');
    const attacker = await connectEngine(server.url, 'websocket');
    const welcome = await attacker.hello({ nick: '\u001b[31mroot\u0007' });
    await attacker.request({ type: 'join', room: 'lobby' });
    await attacker.request({
      type: 'say',
      room: 'lobby',
      text: 'hi\u001b[2J\u001b]0;pwned\u0007\r\u0008\u009bX',
    });
    await person.out.waitFor(/\[lobby\] .*hi/);
    const seen = person.out.lines.join('\n');
    // No control character (ESC, BEL, BS, CR, the C1 CSI…) reaches the terminal.
    const controls = [...seen].filter((c) => {
      const code = c.codePointAt(0) ?? 0;
      return code !== 0x0a && (code < 0x20 || (code >= 0x7f && code <= 0x9f));
    });
    expect(controls).toEqual([]);
    expect(String(welcome.nick)).not.toContain('\u001b');
    person.socket.destroy();
    attacker.close();
    await calm.stillFine();
    calm.close();
  });

  it('NUL bytes and invalid UTF-8 in JSON lines are answered bad_frame, and the connection goes on', async () => {
    await using server = await startServer({ transports: ALL });
    const calm = await calmPair(server);
    const peer = await rawTcp(server);
    peer.socket.write('{"type":"hello","nick":"bin"}\n');
    await peer.out.waitFor(/"type":"welcome"/);
    peer.socket.write(
      Buffer.concat([
        Buffer.from('{"type":"ping","id":1,"x":"'),
        Buffer.from([0xff, 0xfe, 0x00, 0xc3]),
        Buffer.from('"}\n'),
      ]),
    );
    peer.socket.write(Buffer.from([0x00, 0x00, 0x0a]));
    peer.socket.write('{"type":"ping","id":2}\n');
    await peer.out.waitFor(/"type":"ack","id":2/);
    expect(peer.out.lines.some((l) => l.includes('"bad_frame"'))).toBe(true);
    peer.socket.destroy();
    await calm.stillFine();
    calm.close();
  });

  it('a flood of lines past the rate limit ends in bye rate_limited; others chat on', async () => {
    await using server = await startServer({ transports: ALL, ratePerSec: 5, rateBurst: 10 });
    const calm = await calmPair(server);
    const flooder = await connectTcp(server.tcpPort);
    await flooder.hello({ nick: 'flood' });
    for (let i = 0; i < 400; i++) flooder.send({ type: 'ping', id: i });
    expect(await flooder.next('bye')).toMatchObject({ code: 'rate_limited' });
    await flooder.waitClosed();
    await calm.stillFine();
    calm.close();
  });

  it('prototype-pollution keys in protocol frames pollute nothing and are answered', async () => {
    await using server = await startServer({ transports: ALL });
    const calm = await calmPair(server);
    const peer = await rawTcp(server);
    peer.socket.write('{"type":"hello","nick":"proto","__proto__":{"polluted":true}}\n');
    await peer.out.waitFor(/"type":"welcome"/);
    peer.socket.write('{"type":"join","room":"calm","id":1,"constructor":{"prototype":{"admin":true}}}\n');
    peer.socket.write('{"type":"say","room":"calm","text":"p","id":2,"__proto__":{"admin":true}}\n');
    peer.socket.write('{"type":"__proto__","id":3}\n');
    await peer.out.waitFor(/"id":3/);
    expect(prototypeClean()).toBe(true);
    for (const id of [1, 2, 3]) expect(peer.out.lines.some((l) => l.includes(`"id":${id}`))).toBe(true);
    peer.socket.destroy();
    await calm.stillFine();
    calm.close();
  });
});
