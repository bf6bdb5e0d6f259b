import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { payloadLimit } from '../../src/server/transport.js';
import { heartbeatServers, type TestServer } from '../helpers/server.js';

// engine.io sessions that begin on WebSocket are served without engine.io's Socket (transports/engineio/
// direct.ts); this speaks engine.io v4 by hand to check what engine.io itself would have done.

const serve = heartbeatServers();

/** A bare WebSocket on the engine.io path with every text frame it received, in order. */
interface Peer {
  ws: WebSocket;
  frames: string[];
  /** Resolves with the next text frame that `match` accepts (already received ones count), within 5 s. */
  next(match: (frame: string) => boolean): Promise<string>;
  closed: Promise<void>;
}

async function peer(server: TestServer, answerPings = true): Promise<Peer> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket`);
  const frames: string[] = [];
  const waiters: { match: (f: string) => boolean; resolve: (f: string) => void }[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const frame = data.toString();
    frames.push(frame);
    if (frame === '2' && answerPings) ws.send('3');
    for (const w of [...waiters]) {
      if (w.match(frame)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  });
  const closed = once(ws, 'close').then(() => undefined);
  await once(ws, 'open');
  const next = (match: (f: string) => boolean) => {
    const seen = frames.find(match);
    if (seen !== undefined) {
      frames.splice(frames.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such frame; got ${frames.join(' | ')}`)), 5000);
      waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          frames.splice(frames.indexOf(f), 1);
          resolve(f);
        },
      });
    });
  };
  return { ws, frames, next, closed };
}

/** A Switchboard frame (an engine.io message packet) of a given type. */
const frameOf = (type: string) => (f: string) => f.startsWith(`4{"type":"${type}"`);

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);
}

describe('engine.io sessions that begin on WebSocket', () => {
  it('open with the packet engine.io would send: a sid, no upgrades, the heartbeat and the payload limit', async () => {
    const server = await serve(300, 200);
    const p = await peer(server);
    const open = await p.next((f) => f.startsWith('0'));
    expect(JSON.parse(open.slice(1))).toEqual({
      sid: expect.stringMatching(/^[\w+/=-]{8,}$/),
      upgrades: [],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: payloadLimit(server.config.maxFrameBytes),
    });
    p.ws.send(`4${JSON.stringify({ type: 'hello', v: 1, nick: 'direct' })}`);
    const welcome = JSON.parse((await p.next(frameOf('welcome'))).slice(1)) as { transport: string };
    expect(welcome.transport).toBe('websocket');
    p.ws.close();
  });

  it('ping the peer, keep one that answers, and close one that stops answering with ping timeout', async () => {
    const server = await serve(50, 50);
    const alive = await peer(server);
    const silent = await peer(server, false);
    for (const p of [alive, silent]) p.ws.send(`4${JSON.stringify({ type: 'hello', v: 1 })}`);
    await alive.next(frameOf('welcome'));
    await silent.next(frameOf('welcome'));
    await within(silent.closed, 5000, 'the silent peer closed');
    // The peer that answers has been pinged again and again meanwhile, and is still served.
    for (let i = 0; i < 3; i++) await alive.next((f) => f === '2');
    alive.ws.send(`4${JSON.stringify({ type: 'ping', id: 7 })}`);
    expect(await alive.next(frameOf('ack'))).toContain('"id":7');
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    alive.ws.close();
  });

  it('answer binary messages with bad_frame, ignore noop, close and open packets, and keep the session', async () => {
    const server = await serve();
    const p = await peer(server);
    p.ws.send(`4${JSON.stringify({ type: 'hello', v: 1 })}`);
    await p.next(frameOf('welcome'));
    p.ws.send(Buffer.from([1, 2, 3]));
    expect(await p.next(frameOf('error'))).toContain('"code":"bad_frame"');
    p.ws.send('bAQID');
    expect(await p.next(frameOf('error'))).toContain('"code":"bad_frame"');
    for (const ignored of ['6', '1', '0', '5']) p.ws.send(ignored);
    p.ws.send(`4${JSON.stringify({ type: 'ping', id: 1 })}`);
    expect(await p.next(frameOf('ack'))).toContain('"id":1');
    p.ws.close();
  });

  it('close the session on a ping from the client (v4: only the server pings) and on an undecodable packet', async () => {
    const server = await serve();
    for (const bad of ['2', 'x', '']) {
      const p = await peer(server);
      p.ws.send(`4${JSON.stringify({ type: 'hello', v: 1, nick: `bad${bad.length}` })}`);
      await p.next(frameOf('welcome'));
      p.ws.send(bad);
      await within(p.closed, 5000, `closed after ${JSON.stringify(bad)}`);
    }
    expect(server.app.switchboard.hub.stats().sessions).toBe(0);
  });

  it('close past the payload limit, and end the session', async () => {
    const server = await serve();
    const p = await peer(server);
    p.ws.send(`4${JSON.stringify({ type: 'hello', v: 1 })}`);
    await p.next(frameOf('welcome'));
    p.ws.send(`4${'x'.repeat(payloadLimit(server.config.maxFrameBytes) + 1)}`);
    await within(p.closed, 5000, 'closed past the limit');
    const deadline = Date.now() + 5000;
    while (server.app.switchboard.hub.stats().sessions > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.app.switchboard.hub.stats().sessions).toBe(0);
  });
});
