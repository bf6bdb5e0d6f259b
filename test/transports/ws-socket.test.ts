import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameReader } from '../../bench/ws-frames.js';
import { type WsEvents, WsSocket } from '../../transports/ws-socket.js';
import { closePayload, wsFrame } from '../helpers/raw-ws.js';

/** A server frame as the client reads it. */
interface Frame {
  opcode: number;
  payload: Buffer;
}

/** What the WsSocket told its owner, in order. */
class Recorder implements WsEvents {
  events: string[] = [];
  private resolveClosed: (code: number) => void = () => {};
  readonly closed = new Promise<number>((resolve) => {
    this.resolveClosed = resolve;
  });
  onMessage(data: Buffer, isBinary: boolean): void {
    this.events.push(`${isBinary ? 'binary' : 'text'} ${data.toString()}`);
  }
  onPong(): void {
    this.events.push('pong');
  }
  onFailed(code: number): void {
    this.events.push(`failed ${code}`);
  }
  onClosed(code: number): void {
    this.events.push(`closed ${code}`);
    this.resolveClosed(code);
  }
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

/**
 * A WsSocket on the server end of a real TCP connection on 127.0.0.1 (the `101` is no business of this
 * class), and the client's end, which records every byte it gets and whether the server ended it.
 */
async function pair(
  head?: Buffer,
): Promise<{ ws: WsSocket; rec: Recorder; client: Socket; got: () => Frame[]; ended: Promise<unknown> }> {
  const rec = new Recorder();
  let accept: (ws: WsSocket) => void = () => {};
  const accepted = new Promise<WsSocket>((resolve) => {
    accept = resolve;
  });
  const listening = createServer({ allowHalfOpen: true }, (socket) =>
    accept(new WsSocket(socket, rec, { maxPayload: 1024 }, head)),
  );
  server = listening;
  listening.listen(0, '127.0.0.1');
  await once(listening, 'listening');
  const { port } = listening.address() as { port: number };
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  // The bench's client-side reader of server frames; payloads are views, so kept as copies.
  const frames: Frame[] = [];
  const reader = new FrameReader((opcode, payload) => frames.push({ opcode, payload: Buffer.from(payload) }));
  client.on('data', (chunk: Buffer) => reader.push(chunk));
  const ended = once(client, 'end');
  const ws = await accepted;
  return { ws, rec, client, got: () => frames, ended };
}

describe('WsSocket', () => {
  it('hands on messages, reads the bytes that came with the request first, and answers a ping with its payload', async () => {
    const { rec, client, got, ws } = await pair(wsFrame(0x81, 'early'));
    client.write(
      Buffer.concat([
        wsFrame(0x81, 'hello'),
        wsFrame(0x82, 'bin'),
        wsFrame(0x89, 'are you there'),
        wsFrame(0x8a, ''),
      ]),
    );
    await expect.poll(() => got().length).toBe(1);
    expect(got()[0]).toEqual({ opcode: 0xa, payload: Buffer.from('are you there') });
    expect(rec.events).toEqual(['text early', 'text hello', 'binary bin', 'pong']);
    expect(ws.open).toBe(true);
    client.destroy();
    expect(await rec.closed).toBe(1006);
  });

  it("echoes the peer's close code, ends the TCP connection, and reports that code", async () => {
    const { rec, client, got, ended, ws } = await pair();
    client.write(wsFrame(0x88, closePayload(4001, 'bye now')));
    await ended;
    expect(got()).toEqual([{ opcode: 0x8, payload: closePayload(4001) }]);
    expect(ws.open).toBe(false);
    client.end();
    expect(await rec.closed).toBe(4001);
  });

  it('closes with its own code and reason, delivers nothing after, and reports the code the peer echoes', async () => {
    const { rec, client, got, ended, ws } = await pair();
    ws.close(1000, 'Closed by the server.');
    await ended;
    expect(got()).toEqual([{ opcode: 0x8, payload: closePayload(1000, 'Closed by the server.') }]);
    client.write(Buffer.concat([wsFrame(0x81, 'too late'), wsFrame(0x88, closePayload(1000))]));
    client.end();
    expect(await rec.closed).toBe(1000);
    expect(rec.events).toEqual(['closed 1000']);
  });

  it('closes a peer that breaks the protocol with the code owed, at once, and reports it', async () => {
    const { rec, client, got, ended } = await pair();
    client.write(wsFrame(0x81, 'unmasked', false));
    await ended;
    expect(got()).toEqual([{ opcode: 0x8, payload: closePayload(1002) }]);
    expect(rec.events).toEqual(['failed 1002']);
    client.end();
    expect(await rec.closed).toBe(1002);
  });

  it('reports 1006 for a peer that hangs up without a close frame', async () => {
    const { rec, client } = await pair();
    client.end();
    expect(await rec.closed).toBe(1006);
  });
});
