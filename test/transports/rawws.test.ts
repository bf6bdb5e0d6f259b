import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { bystanders } from '../helpers/bystanders.js';
import { connectEngine, connectRawWs, TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

const wsUrl = (server: TestServer) => `${server.url.replace(/^http/, 'ws')}/ws`;

/** Opens a ws client and resolves once it is open, or with the HTTP refusal when the handshake is refused. */
function open(url: string, protocols: string[] = [], options: { autoPong?: boolean } = {}) {
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false, ...options });
  return new Promise<
    { ok: true; ws: WebSocket } | { ok: false; status: number; body: { code?: string; message?: string } }
  >((resolve, reject) => {
    ws.once('open', () => resolve({ ok: true, ws }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    ws.once('error', reject);
  });
}

async function openOk(url: string, protocols: string[] = [], options: { autoPong?: boolean } = {}) {
  const result = await open(url, protocols, options);
  if (!result.ok) throw new Error(`handshake refused: ${result.status}`);
  return result.ws;
}

const closeCode = (ws: WebSocket) =>
  new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));

/** A pair in room `calm`, over raw WebSocket and engine.io, to prove a misbehaving peer harms nobody. */
const calmPair = (server: TestServer) =>
  bystanders(
    server,
    () => connectRawWs(server.url),
    () => connectEngine(server.url, 'websocket'),
  );

/** A client masked text frame with a raw payload (RFC 6455 5.2), for payloads under 126 bytes. */
function maskedTextFrame(payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Does the opening handshake by hand on a plain socket; resolves with the socket and the bytes after it. */
function rawHandshake(server: TestServer): Promise<{ socket: Socket; received: () => Buffer }> {
  const socket = connect(server.port, '127.0.0.1');
  let data = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
  });
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  return new Promise((resolve, reject) => {
    const check = () => {
      const end = data.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', check);
      expect(data.subarray(0, 12).toString()).toBe('HTTP/1.1 101');
      const head = end + 4;
      resolve({ socket, received: () => data.subarray(head) });
    };
    socket.on('data', check);
    socket.once('error', reject);
  });
}

describe('raw WebSocket transport', () => {
  it('selects switchboard.v1 when offered, speaks v1 when nothing is offered, and refuses only-unknown subprotocols', async () => {
    await using server = await startServer();
    const v1 = await openOk(wsUrl(server), ['chat.other', 'switchboard.v1']);
    expect(v1.protocol).toBe('switchboard.v1');
    const bare = await openOk(wsUrl(server));
    expect(bare.protocol).toBe('');
    const client = new TestClient({
      send: (t) => bare.send(t),
      close: () => bare.close(),
      onText: (h) => bare.on('message', (d) => h(String(d))),
      onClose: (h) => bare.on('close', h),
      transport: () => 'rawws',
    });
    expect(await client.hello({ nick: 'bare' })).toMatchObject({ type: 'welcome', transport: 'rawws' });
    const refused = await open(wsUrl(server), ['switchboard.v2']);
    expect(refused).toMatchObject({ ok: false, status: 400, body: { code: 'unsupported_subprotocol' } });
    v1.close();
    bare.close();
  });

  it('closes with 1003 on a binary frame and harms nobody', async () => {
    await using server = await startServer();
    const calm = await calmPair(server);
    const ws = await openOk(wsUrl(server), ['switchboard.v1']);
    const closed = closeCode(ws);
    ws.send(Buffer.from([1, 2, 3]));
    expect(await closed).toBe(1003);
    await calm.stillFine();
    calm.close();
  });

  it('closes with 1007 on a text frame that is not valid UTF-8 (raw bytes on the wire)', async () => {
    await using server = await startServer();
    const calm = await calmPair(server);
    const { socket, received } = await rawHandshake(server);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(maskedTextFrame(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])));
    await closed;
    const frame = received();
    // The server's close frame: FIN + opcode 8, then the status code in network byte order.
    expect(frame[0]).toBe(0x88);
    expect(frame.readUInt16BE(2)).toBe(1007);
    await calm.stillFine();
    calm.close();
  });

  it('answers a frame a little over the limit with frame_too_large and closes one far over it with 1009', async () => {
    await using server = await startServer({ maxFrameBytes: 4096 });
    const calm = await calmPair(server);
    const c = await connectRawWs(server.url);
    await c.hello({ nick: 'big' });
    c.send(JSON.stringify({ type: 'ping', id: 1, pad: 'x'.repeat(5000) }));
    expect(await c.next('error')).toMatchObject({ code: 'frame_too_large', id: 1 });
    expect(await c.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    const ws = await openOk(wsUrl(server), ['switchboard.v1']);
    const closed = closeCode(ws);
    ws.send('y'.repeat(4096 * 4 + 2048));
    expect(await closed).toBe(1009);
    await calm.stillFine();
    c.close();
    calm.close();
  });

  it('refuses /ws with 403 websocket_disabled when WebSocket is turned off, while polling still works', async () => {
    await using server = await startServer({ websocket: false });
    const refused = await open(wsUrl(server), ['switchboard.v1']);
    expect(refused).toMatchObject({ ok: false, status: 403, body: { code: 'websocket_disabled' } });
    const polling = await connectEngine(server.url, 'polling');
    expect(await polling.hello()).toMatchObject({ transport: 'polling' });
    polling.close();
  });

  it('answers other upgrade paths with 404 when no other transport takes upgrades', async () => {
    await using server = await startServer({ transports: ['rawws'] });
    const refused = await open(`${server.url.replace(/^http/, 'ws')}/elsewhere`);
    expect(refused).toMatchObject({ ok: false, status: 404, body: { code: 'not_found' } });
  });

  it('pings to find dead peers: one that never answers is dropped, one that answers stays', async () => {
    // A dead peer is a drop, not a leave on purpose: the room hears of it once the presence grace is over.
    await using server = await startServer({ pingIntervalMs: 20, presenceGraceMs: 100 });
    const alive = await connectRawWs(server.url);
    await alive.hello({ nick: 'alive' });
    await alive.request({ type: 'join', room: 'r' });
    const dead = await openOk(wsUrl(server), ['switchboard.v1'], { autoPong: false });
    let pings = 0;
    dead.on('ping', () => pings++);
    dead.send(JSON.stringify({ type: 'hello', nick: 'dead' }));
    dead.send(JSON.stringify({ type: 'join', room: 'r' }));
    const closed = closeCode(dead);
    await alive.next('presence', (f) => f.event === 'join' && f.nick === 'dead');
    expect(await closed).toBe(1006);
    expect(pings).toBeGreaterThan(0);
    await alive.next('presence', (f) => f.event === 'leave' && f.nick === 'dead');
    expect(alive.closed).toBe(false);
    expect(await alive.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    alive.close();
  });

  it('puts all the frames of one write on the wire in one system call', async () => {
    await using server = await startServer();
    const writes: string[] = [];
    server.app.server.on('upgrade', (_req, socket: Duplex) => {
      const stream = socket as Duplex & {
        _write: (...a: unknown[]) => void;
        _writev: (...a: unknown[]) => void;
      };
      const write = stream._write.bind(stream);
      const writev = stream._writev.bind(stream);
      stream._write = (...a) => {
        writes.push('write');
        write(...a);
      };
      stream._writev = (chunks, ...rest) => {
        writes.push(`writev:${(chunks as unknown[]).length}`);
        writev(chunks, ...rest);
      };
    });
    const c = await connectRawWs(server.url);
    await c.hello({ nick: 'w' });
    const session = [...server.app.switchboard.hub.sessions].find((s) => s.nick === 'w');
    writes.length = 0;
    const frames = Array.from({ length: 5 }, (_, i) => JSON.stringify({ type: 'probe', n: i }));
    session?.conn.write(frames);
    await c.waitCount((f) => f.type === 'probe', 5);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatch(/^writev:\d+$/);
    c.close();
  });
});
