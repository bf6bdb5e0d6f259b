import { describe, expect, it } from 'vitest';
import { ATTACKER_IP, assertStillChats, RawPeer, startHostile } from '../helpers/adversary.js';
import { bystanders } from '../helpers/bystanders.js';
import { connectRawWs } from '../helpers/client.js';
import { ENGINE_POLLING, ENGINE_WEBSOCKET, httpHandshake, wsHandshake } from '../helpers/handshake.js';
import type { TestServer } from '../helpers/server.js';

const EVIL = { origin: 'https://evil.example' };

/** Sessions the hub holds now. */
const sessions = (server: TestServer) => server.app.switchboard.hub.sessions.size;

/** A calm pair on the raw WebSocket from 127.0.0.1, whose chat must go on whatever the attacker does. */
const calmPair = (server: TestServer) => bystanders(server, () => connectRawWs(server.url));

/** A TCP peer from ATTACKER_IP and what its first line said (the greeting, or a refusal). */
async function tcpPeer(server: TestServer): Promise<{ peer: RawPeer; first: string }> {
  const peer = await RawPeer.open(server.tcpPort);
  await peer.until(() => peer.text().includes('\n'), 'first line');
  return { peer, first: peer.text().split('\n')[0] ?? '' };
}

describe('admission at the handshake (hostile)', () => {
  it('refuses a foreign Origin on the engine.io polling handshake with 403 before a session exists', async () => {
    await using server = await startHostile();
    const calm = await calmPair(server);
    const before = sessions(server);
    const answer = await httpHandshake(server.port, ENGINE_POLLING, EVIL);
    expect(answer).toMatchObject({ status: 403, code: 'forbidden_origin' });
    expect(sessions(server)).toBe(before);
    await calm.stillFine();
    calm.close();
  });

  it('refuses a foreign Origin on the engine.io WebSocket handshake with 403 and our JSON', async () => {
    await using server = await startHostile();
    const calm = await calmPair(server);
    const before = sessions(server);
    const answer = await wsHandshake(server.port, ENGINE_WEBSOCKET, EVIL);
    expect(answer).toMatchObject({ status: 403, code: 'forbidden_origin' });
    expect(sessions(server)).toBe(before);
    await calm.stillFine();
    calm.close();
  });

  it('refuses a foreign Origin on the /ws upgrade and on the SSE stream with 403', async () => {
    await using server = await startHostile();
    const calm = await calmPair(server);
    const before = sessions(server);
    expect(await wsHandshake(server.port, '/ws', EVIL)).toMatchObject({
      status: 403,
      code: 'forbidden_origin',
    });
    expect(await httpHandshake(server.port, '/sse/', EVIL)).toMatchObject({
      status: 403,
      code: 'forbidden_origin',
    });
    // The default policy still admits the server's own origin and localhost pages.
    const own = await wsHandshake(server.port, '/ws', { origin: `http://127.0.0.1:${server.port}` });
    expect(own.status).toBe(101);
    const local = await wsHandshake(server.port, '/ws', { origin: 'http://localhost:5173' });
    expect(local.status).toBe(101);
    expect(sessions(server)).toBe(before + 2);
    own.peer.close();
    local.peer.close();
    await calm.stillFine();
    calm.close();
  });

  it('caps one address over every transport at once (429 too_many_connections; TCP one line), and frees slots on close', async () => {
    await using server = await startHostile({ maxConnectionsPerIp: 4 });
    const calm = await calmPair(server);
    const held = [
      (await tcpPeer(server)).peer,
      (await wsHandshake(server.port, '/ws')).peer,
      (await wsHandshake(server.port, ENGINE_WEBSOCKET)).peer,
    ];
    expect(held.every((p) => !p.closed)).toBe(true);
    expect((await httpHandshake(server.port, ENGINE_POLLING)).status).toBe(200);
    const before = sessions(server);
    expect(await httpHandshake(server.port, ENGINE_POLLING)).toMatchObject({
      status: 429,
      code: 'too_many_connections',
    });
    expect(await wsHandshake(server.port, ENGINE_WEBSOCKET)).toMatchObject({
      status: 429,
      code: 'too_many_connections',
    });
    expect(await wsHandshake(server.port, '/ws')).toMatchObject({
      status: 429,
      code: 'too_many_connections',
    });
    expect(await httpHandshake(server.port, '/sse/')).toMatchObject({
      status: 429,
      code: 'too_many_connections',
    });
    const tcp = await tcpPeer(server);
    expect(JSON.parse(tcp.first)).toMatchObject({ type: 'error', code: 'too_many_connections' });
    await tcp.peer.waitClosed();
    expect(sessions(server)).toBe(before);
    // A closed connection gives its slot back, exactly once.
    const gone = held.shift() as RawPeer;
    gone.close();
    await expect.poll(() => server.app.switchboard.hub.sessions.size, { timeout: 10_000 }).toBe(before - 1);
    const again = await wsHandshake(server.port, '/ws');
    expect(again.status).toBe(101);
    expect((await wsHandshake(server.port, '/ws')).status).toBe(429);
    for (const p of [...held, again.peer]) p.close();
    await calm.stillFine();
    calm.close();
    await assertStillChats(server);
  });

  it('counts IPv6 clients by their /64, so one host cannot take a fresh address per connection', async () => {
    // Behind a trusted proxy the client address is X-Forwarded-For's first hop: here, addresses of one /64.
    await using server = await startHostile({ maxConnectionsPerIp: 3, trustProxy: true });
    const calm = await calmPair(server);
    const from = (address: string) => ({ 'x-forwarded-for': address });
    const held = [
      await wsHandshake(server.port, '/ws', from('2001:db8:7:1::a')),
      await wsHandshake(server.port, '/ws', from('2001:db8:7:1:ffff:1:2:3')),
      await wsHandshake(server.port, '/ws', from('2001:db8:7:1::0.0.0.9')),
    ];
    expect(held.map((h) => h.status)).toEqual([101, 101, 101]);
    expect(await wsHandshake(server.port, '/ws', from('2001:db8:7:1::c'))).toMatchObject({
      status: 429,
      code: 'too_many_connections',
    });
    expect(await httpHandshake(server.port, ENGINE_POLLING, from('[2001:0db8:0007:0001::d]'))).toMatchObject({
      status: 429,
      code: 'too_many_connections',
    });
    // The next /64 is someone else.
    const neighbour = await wsHandshake(server.port, '/ws', from('2001:db8:7:2::a'));
    expect(neighbour.status).toBe(101);
    for (const p of [...held, neighbour]) p.peer.close();
    await calm.stillFine();
    calm.close();
    await assertStillChats(server);
  });

  it('refuses a burst of handshakes past HANDSHAKE_BURST with 429 rate_limited, on every transport', async () => {
    await using server = await startHostile({
      handshakesPerIpPerSec: 0.01,
      handshakeBurst: 5,
      helloTimeoutMs: 0,
    });
    const calm = await calmPair(server);
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push((await httpHandshake(server.port, ENGINE_POLLING)).status);
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    expect(await httpHandshake(server.port, ENGINE_POLLING)).toMatchObject({
      status: 429,
      code: 'rate_limited',
    });
    expect(await wsHandshake(server.port, '/ws')).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(await httpHandshake(server.port, '/sse/')).toMatchObject({ status: 429, code: 'rate_limited' });
    const tcp = await tcpPeer(server);
    expect(JSON.parse(tcp.first)).toMatchObject({ type: 'error', code: 'rate_limited' });
    await calm.stillFine();
    calm.close();
    await assertStillChats(server);
  });

  it('refuses past MAX_CONNECTIONS with 503 server_full while the connected keep chatting', async () => {
    await using server = await startHostile({ maxConnections: 3 });
    const calm = await calmPair(server);
    const one = await wsHandshake(server.port, '/ws');
    expect(one.status).toBe(101);
    const before = sessions(server);
    expect(await wsHandshake(server.port, '/ws')).toMatchObject({ status: 503, code: 'server_full' });
    expect(await httpHandshake(server.port, ENGINE_POLLING)).toMatchObject({
      status: 503,
      code: 'server_full',
    });
    expect(await wsHandshake(server.port, ENGINE_WEBSOCKET)).toMatchObject({
      status: 503,
      code: 'server_full',
    });
    expect(await httpHandshake(server.port, '/sse/')).toMatchObject({ status: 503, code: 'server_full' });
    const tcp = await tcpPeer(server);
    expect(JSON.parse(tcp.first)).toMatchObject({ type: 'error', code: 'server_full' });
    expect(sessions(server)).toBe(before);
    await calm.stillFine();
    one.peer.close();
    calm.close();
  });

  it('closes silent TCP and WebSocket connections with bye hello_timeout', async () => {
    await using server = await startHostile({ helloTimeoutMs: 300 });
    const before = sessions(server);
    const tcp = await tcpPeer(server);
    const ws = await wsHandshake(server.port, '/ws');
    expect(ws.status).toBe(101);
    const engine = await wsHandshake(server.port, ENGINE_WEBSOCKET);
    expect(engine.status).toBe(101);
    for (const peer of [tcp.peer, ws.peer, engine.peer]) {
      await peer.until(() => peer.text().includes('"code":"hello_timeout"'), 'bye hello_timeout', 15_000);
    }
    // TCP is closed outright; the WebSockets got a close frame behind their bye (the peer never answers it).
    await tcp.peer.waitClosed();
    for (const peer of [ws.peer, engine.peer]) expect(peer.bytes().includes(Buffer.from([0x88]))).toBe(true);
    for (const peer of [ws.peer, engine.peer]) peer.close();
    expect(sessions(server)).toBe(before);
    // One that says hello in time stays.
    const c = await connectRawWs(server.url);
    await c.hello({ nick: 'prompt' });
    await assertStillChats(server);
    expect(c.closed).toBe(false);
    c.close();
  });

  it('survives 2000 engine.io handshakes that never poll: bounded sessions, then all freed', async () => {
    await using server = await startHostile({ helloTimeoutMs: 500 });
    const calm = await calmPair(server);
    const before = sessions(server);
    const counts = new Map<number, number>();
    const wave = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const { status } = await httpHandshake(server.port, ENGINE_POLLING);
        counts.set(status, (counts.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 20 }, () => wave(100)));
    expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(2000);
    // At most a burst and what the rate refilled meanwhile got sessions; every other answer is 429.
    expect([...counts.keys()].every((s) => s === 200 || s === 429)).toBe(true);
    expect(counts.get(429) ?? 0).toBeGreaterThan(1000);
    expect(sessions(server) - before).toBeLessThanOrEqual(server.config.maxConnectionsPerIp);
    await calm.stillFine();
    // Never polled, never said hello: the hello timeout (or engine.io's ping timeout) frees every one.
    await expect.poll(() => sessions(server), { timeout: 20_000, interval: 100 }).toBe(before);
    await calm.stillFine();
    calm.close();
    await assertStillChats(server);
    expect(ATTACKER_IP).not.toBe('127.0.0.1');
  });
});

describe('clients told of a refused handshake', () => {
  it('the Node wires reject with the status and code, rawws and engine.io polling alike', async () => {
    await using server = await startHostile({ allowedOrigins: ['https://chat.example'] });
    const { rawwsWire } = await import('../../src/client/wires/rawws.js');
    const { engineWire } = await import('../../src/client/wires/engine.js');
    const { HandshakeRefused } = await import('../../src/client/wire.js');
    const ws = rawwsWire(`ws://127.0.0.1:${server.port}/ws`, EVIL);
    await expect(ws).rejects.toBeInstanceOf(HandshakeRefused);
    await expect(ws).rejects.toMatchObject({ status: 403, code: 'forbidden_origin' });
    const polling = engineWire(server.url, 'polling', EVIL);
    await expect(polling).rejects.toMatchObject({ status: 403, code: 'forbidden_origin' });
    await assertStillChats(server);
  });
});
