import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { payloadLimit } from '../../src/server/transport.js';
import { heartbeatServers, type TestServer } from '../helpers/server.js';

// engine.io sessions that begin on long-polling are served without engine.io's Socket (transports/engineio/
// direct-polling.ts); this speaks engine.io v4 polling by hand to check what engine.io itself would do.

const serve = heartbeatServers();

const SEP = '\x1e';
const url = (server: TestServer, sid?: string) =>
  `http://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=polling${sid ? `&sid=${encodeURIComponent(sid)}` : ''}`;
const msg = (frame: Record<string, unknown>) => `4${JSON.stringify(frame)}`;

/** One polling session driven by hand. */
interface Polling {
  sid: string;
  open: Record<string, unknown>;
  /** One GET: its status and the packets of its payload. */
  poll(signal?: AbortSignal): Promise<{ status: number; packets: string[]; body: string }>;
  post(payload: string): Promise<{ status: number; body: string }>;
  /** Polls until a packet `match` accepts arrives (answering pings), within 5 s. */
  until(match: (packet: string) => boolean): Promise<string>;
}

async function handshake(server: TestServer): Promise<Polling> {
  const res = await fetch(url(server));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; charset=UTF-8');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = await res.text();
  expect(body.startsWith('0')).toBe(true);
  const open = JSON.parse(body.slice(1)) as Record<string, unknown>;
  const sid = open.sid as string;
  const poll = async (signal?: AbortSignal) => {
    const r = await fetch(url(server, sid), signal ? { signal } : {});
    const text = await r.text();
    return { status: r.status, packets: r.status === 200 ? text.split(SEP) : [], body: text };
  };
  const post = async (payload: string) => {
    const r = await fetch(url(server, sid), {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'text/plain' },
    });
    return { status: r.status, body: await r.text() };
  };
  const seen: string[] = [];
  const until = async (match: (packet: string) => boolean) => {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = seen.find(match);
      if (found !== undefined) {
        seen.splice(seen.indexOf(found), 1);
        return found;
      }
      if (Date.now() > deadline) throw new Error(`no such packet; got ${seen.join(' | ')}`);
      const { status, packets, body: text } = await poll(AbortSignal.timeout(5000));
      if (status !== 200) throw new Error(`poll answered ${status}: ${text}`);
      for (const packet of packets) {
        if (packet === '2') await post('3');
        else seen.push(packet);
      }
    }
  };
  return { sid, open, poll, post, until };
}

const frameOf = (type: string) => (p: string) => p.startsWith(`4{"type":"${type}"`);

async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('engine.io sessions that begin on long-polling', () => {
  it('open with the packet engine.io would send, take POSTs with ok, and hold a poll until there is data', async () => {
    const server = await serve(300, 200);
    const p = await handshake(server);
    expect(p.open).toEqual({
      sid: expect.stringMatching(/^[\w+/=-]{8,}$/),
      upgrades: ['websocket'],
      pingInterval: 300,
      pingTimeout: 200,
      maxPayload: payloadLimit(server.config.maxFrameBytes),
    });
    expect(await p.post(msg({ type: 'hello', v: 1, nick: 'poller' }))).toEqual({ status: 200, body: 'ok' });
    const welcome = JSON.parse((await p.until(frameOf('welcome'))).slice(1)) as { transport: string };
    expect(welcome.transport).toBe('polling');
    // Two packets in one POST, in order; the answers come in the polls that follow.
    await p.post(
      [msg({ type: 'join', room: 'r', id: 1 }), msg({ type: 'say', room: 'r', text: 'hi', id: 2 })].join(SEP),
    );
    expect(await p.until((packet) => frameOf('ack')(packet) && packet.includes('"id":2'))).toContain(
      '"seq":1',
    );
    expect(server.app.switchboard.hub.stats().sessions).toBe(1);
  });

  it('ping in the polls, keep a session that answers, and end one that stops with the sid unknown after', async () => {
    const server = await serve(50, 50);
    const alive = await handshake(server);
    const silent = await handshake(server);
    await alive.post(msg({ type: 'hello', v: 1 }));
    await alive.until(frameOf('welcome'));
    // The silent one never polls or answers: engine.io's ping timeout ends it. The other keeps polling.
    let pings = 0;
    const deadline = Date.now() + 5000;
    while ((server.app.switchboard.hub.stats().sessions > 1 || pings < 3) && Date.now() < deadline) {
      const { packets } = await alive.poll();
      if (packets.includes('2')) {
        pings++;
        await alive.post('3');
      }
    }
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(server.app.switchboard.hub.stats().sessions).toBe(1);
    const late = await silent.poll();
    expect(late.status).toBe(400);
    expect(JSON.parse(late.body)).toEqual({ code: 1, message: 'Session ID unknown' });
    // The one that answers pings has been pinged meanwhile and is still served.
    await alive.post(msg({ type: 'ping', id: 7 }));
    expect(await alive.until(frameOf('ack'))).toContain('"id":7');
  });

  it('answer binary and empty messages with bad_frame, ignore noop and open packets, and keep the session', async () => {
    const server = await serve();
    const p = await handshake(server);
    await p.post(msg({ type: 'hello', v: 1 }));
    await p.until(frameOf('welcome'));
    await p.post('bAQID');
    expect(await p.until(frameOf('error'))).toContain('"code":"bad_frame"');
    await p.post(`4${SEP}6${SEP}0${SEP}5`);
    expect(await p.until(frameOf('error'))).toContain('"code":"bad_frame"');
    await p.post(msg({ type: 'ping', id: 1 }));
    expect(await p.until(frameOf('ack'))).toContain('"id":1');
  });

  it('end the session on a ping from the client, an undecodable packet, a second pending GET, and a close packet', async () => {
    const server = await serve();
    for (const bad of ['2', 'x', 'overlap', '1']) {
      const p = await handshake(server);
      await p.post(msg({ type: 'hello', v: 1, nick: `bad${bad.length}${bad}` }));
      await p.until(frameOf('welcome'));
      if (bad === 'overlap') {
        const first = p.poll();
        // The first GET is pending before the second is sent (both on their own sockets).
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect((await p.poll()).status).toBe(400);
        expect((await first).packets).toContain('1');
      } else {
        await p.post(bad);
      }
      await eventually(() => server.app.switchboard.hub.stats().sessions === 0, `ended after ${bad}`);
      expect((await p.poll()).status).toBe(400);
    }
  });

  it('answer an over-large POST 413 and keep the session', async () => {
    const server = await serve();
    const p = await handshake(server);
    await p.post(msg({ type: 'hello', v: 1 }));
    await p.until(frameOf('welcome'));
    const big = await p.post(`4${'x'.repeat(payloadLimit(server.config.maxFrameBytes) + 1)}`);
    expect(big.status).toBe(413);
    await p.post(msg({ type: 'ping', id: 3 }));
    expect(await p.until(frameOf('ack'))).toContain('"id":3');
  });

  it('end the session when its pending poll is cut, answer a quit with its ack then close, and give a pending poll bye at shutdown', async () => {
    const server = await serve();
    const cut = await handshake(server);
    await cut.post(msg({ type: 'hello', v: 1, nick: 'cut' }));
    await cut.until(frameOf('welcome'));
    const abort = new AbortController();
    const pending = cut.poll(abort.signal).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    abort.abort();
    await pending;
    await eventually(() => server.app.switchboard.hub.stats().sessions === 0, 'the cut session ended');

    const quitting = await handshake(server);
    await quitting.post(msg({ type: 'hello', v: 1, nick: 'quitter' }));
    await quitting.until(frameOf('welcome'));
    await quitting.post(msg({ type: 'quit', id: 5 }));
    expect(await quitting.until(frameOf('ack'))).toContain('"id":5');
    await quitting.until((packet) => packet === '1');
    await eventually(() => server.app.switchboard.hub.stats().sessions === 0, 'the quitting session ended');

    const staying = await handshake(server);
    await staying.post(msg({ type: 'hello', v: 1, nick: 'stayer' }));
    await staying.until(frameOf('welcome'));
    const last = staying.poll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = server.close();
    // bye goes out in the pending poll at once; the close packet in the next one, as engine.io does.
    expect((await last).packets[0]).toContain('"code":"shutdown"');
    expect((await staying.poll()).packets).toEqual(['1']);
    await closing;
  });

  it('upgrade to WebSocket as engine.io does: probe, a noop frees the pending poll, then 5, and polling is refused after', async () => {
    const server = await serve();
    const p = await handshake(server);
    await p.post(msg({ type: 'hello', v: 1, nick: 'upgrader' }));
    await p.until(frameOf('welcome'));
    const pending = p.poll();
    const ws = new WebSocket(
      `ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(p.sid)}`,
    );
    const frames: string[] = [];
    ws.on('message', (data) => frames.push(data.toString()));
    await once(ws, 'open');
    ws.send('2probe');
    await eventually(() => frames.includes('3probe'), 'the probe answered');
    expect((await pending).packets).toEqual(['6']);
    // Sent while the upgrade is not complete: it still goes out on polling.
    ws.send('5');
    await eventually(() => frames.some(frameOf('transport')), 'the transport frame over WebSocket');
    expect(frames.find(frameOf('transport'))).toContain('"transport":"websocket"');
    ws.send(msg({ type: 'ping', id: 9 }));
    await eventually(
      () => frames.some((f) => frameOf('ack')(f) && f.includes('"id":9')),
      'an ack over WebSocket',
    );
    const refused = await p.poll();
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body)).toEqual({ code: 3, message: 'Bad request' });
    // A second upgrade for the same session is refused.
    const again = new WebSocket(
      `ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(p.sid)}`,
    );
    const refusal = new Promise<string>((resolve) => again.once('error', (e) => resolve(e.message)));
    expect(await refusal).toContain('400');
    expect(server.app.switchboard.hub.stats().sessions).toBe(1);
    ws.close();
    await eventually(() => server.app.switchboard.hub.stats().sessions === 0, 'the upgraded session ended');
  });

  it('keep the session on polling when a probe fails', async () => {
    const server = await serve();
    const p = await handshake(server);
    await p.post(msg({ type: 'hello', v: 1, nick: 'stayer' }));
    await p.until(frameOf('welcome'));
    const ws = new WebSocket(
      `ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket&sid=${encodeURIComponent(p.sid)}`,
    );
    await once(ws, 'open');
    ws.send(msg({ type: 'ping', id: 1 }));
    await once(ws, 'close');
    await p.post(msg({ type: 'ping', id: 2 }));
    expect(await p.until(frameOf('ack'))).toContain('"id":2');
    expect(server.app.switchboard.hub.stats().sessions).toBe(1);
  });
});
