import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthResult } from '../../src/ports/admission.js';
import { MemoryStore } from '../../web/client/demotion.js';
import type {
  ClientError,
  ConnectOptions,
  OutgoingUpdate,
  SwitchboardClient,
} from '../../web/client/index.js';
import { connect } from '../../web/client/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The browser client library run in Node (engine.io-client's Node transports) against a real gateway:
// the glue between engine.io-client and the pure modules, faster to exercise here than in Chromium.

const clients: SwitchboardClient[] = [];
const servers: TestServer[] = [];

async function serve(
  overrides: Parameters<typeof startServer>[0] = {},
  extra: Parameters<typeof startServer>[1] = {},
) {
  const server = await startServer(overrides, extra);
  servers.push(server);
  return server;
}

function client(server: TestServer, options: ConnectOptions = {}): SwitchboardClient {
  const c = connect({
    url: server.url,
    hasWebSocket: true,
    storage: new MemoryStore(),
    query: false,
    ...options,
  });
  clients.push(c);
  return c;
}

function waitOpen(c: SwitchboardClient): Promise<void> {
  return vi.waitFor(() => expect(c.state).toBe('open'), { timeout: 5000 });
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) await s.close();
});

describe('web client in Node against the gateway', () => {
  it('counts as open only after the hello/welcome round trip, over WebSocket, with batch and pages granted', async () => {
    let release: (result: AuthResult) => void = () => undefined;
    const held = new Promise<AuthResult>((resolve) => {
      release = resolve;
    });
    const server = await serve({}, { authenticate: () => held });
    const c = client(server, { nick: 'ann' });
    const welcomes: unknown[] = [];
    c.on('welcome', (w) => welcomes.push(w));
    // The socket is up (the server has the connection) but the welcome is held back by the auth hook.
    await vi.waitFor(() => expect(server.app.switchboard.hub.sessions.size).toBe(1));
    expect(c.state).toBe('connecting');
    release({ ok: true, identity: { subject: 'ann' } });
    await waitOpen(c);
    expect(c.transport).toBe('websocket');
    expect(welcomes).toMatchObject([{ nick: 'ann', transport: 'websocket', caps: ['batch', 'pages'] }]);
  });

  it('falls back to long-polling when the server refuses WebSocket, recording the failure and then the demotion', async () => {
    const server = await serve({ websocket: false });
    const storage = new MemoryStore();
    const demoted: unknown[] = [];
    const first = client(server, { storage, websocketFailureLimit: 2 });
    first.on('demoted', (d) => demoted.push(d));
    await waitOpen(first);
    expect(first.transport).toBe('polling');
    expect(first.negotiation).toMatchObject({ failures: 1, demotion: undefined });
    first.close();

    const second = client(server, { storage, websocketFailureLimit: 2 });
    second.on('demoted', (d) => demoted.push(d));
    await waitOpen(second);
    expect(second.negotiation.demotion?.reason).toBe('websocket refused 2 times in a row');
    expect(demoted).toHaveLength(1);
  });

  it('unpacks batches: messages stored in one turn arrive once each, in order', async () => {
    const server = await serve();
    const c = client(server);
    const seen: number[] = [];
    c.on('message', (m) => seen.push(m.seq));
    await c.join('batchy');
    const hub = server.app.switchboard.hub;
    await Promise.all([1, 2, 3, 4].map((i) => hub.post('/', 'batchy', 'bot', `m${i}`)));
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3, 4]));
  });

  it('marks a refused message failed, and a retry sends it with the same cid', async () => {
    const server = await serve();
    const c = client(server);
    const updates: OutgoingUpdate[] = [];
    c.on('outgoing', (u) => updates.push(u));
    await waitOpen(c);
    const refused = await c.say('nowhere', 'hello?').catch((e: ClientError) => e);
    expect(refused).toMatchObject({ code: 'not_in_room' });
    const cid = updates[0]?.cid ?? '';
    expect(c.outgoing).toMatchObject([{ cid, state: 'failed', error: { code: 'not_in_room' } }]);

    await c.join('nowhere');
    const sent = await c.retry(cid);
    expect(sent).toMatchObject({ cid, seq: 1 });
    expect(updates.map((u) => u.state)).toEqual(['queued', 'sending', 'failed', 'queued', 'sending', 'sent']);
    expect(new Set(updates.map((u) => u.cid))).toEqual(new Set([cid]));
    expect(c.outgoing).toEqual([]);
  });

  it('keeps messages typed while disconnected and sends each once after a restart, resuming the same session', async () => {
    const first = await serve();
    const c = client(first, { backoff: { initialMs: 20, maxMs: 100 } });
    await c.join('room');
    const session = c.session;
    await first.close();
    await vi.waitFor(() => expect(c.state).toBe('reconnecting'));
    const results = Promise.all([c.say('room', 'one'), c.say('room', 'two')]);
    expect(c.outgoing.map((o) => o.state)).toEqual(['queued', 'queued']);

    const second = await serve({ port: first.port });
    const gaps: string[] = [];
    c.on('gap', (g) => gaps.push(g.reason));
    expect((await results).map((r) => r.seq)).toEqual([1, 2]);
    expect(c.session).toBe(session);
    expect(gaps).toEqual(['epoch']);
    const { messages } = (await fetch(`${second.url}/api/rooms/room/messages`).then((r) => r.json())) as {
      messages: { text: string }[];
    };
    expect(messages.map((m) => m.text)).toEqual(['one', 'two']);
  });

  it('switches transport mode on the fly without losing or repeating messages', async () => {
    const server = await serve();
    const c = client(server);
    const seen: string[] = [];
    c.on('message', (m) => seen.push(m.text));
    await c.join('switch');
    const hub = server.app.switchboard.hub;
    await hub.post('/', 'switch', 'bot', 'before');
    await vi.waitFor(() => expect(seen).toEqual(['before']));
    c.setTransportMode('polling');
    await hub.post('/', 'switch', 'bot', 'during');
    await waitOpen(c);
    await vi.waitFor(() => expect(c.transport).toBe('polling'));
    await hub.post('/', 'switch', 'bot', 'after');
    await vi.waitFor(() => expect(seen).toEqual(['before', 'during', 'after']));
  });

  it('relays custom events, reports members, and stops delivering a room once left', async () => {
    const server = await serve();
    const a = client(server, { nick: 'a' });
    const b = client(server, { nick: 'b' });
    await a.join('ev');
    const joined = await b.join('ev');
    expect(joined.members.sort()).toEqual(['a', 'b']);
    const events: unknown[] = [];
    a.on('event', (e) => events.push({ event: e.event, data: e.data, from: e.from }));
    await b.emit('ev', 'typing', { on: true });
    await vi.waitFor(() => expect(events).toEqual([{ event: 'typing', data: { on: true }, from: 'b' }]));
    expect(await a.who('ev')).toHaveLength(2);

    const seen: string[] = [];
    a.on('message', (m) => seen.push(`${m.room}: ${m.text}`));
    await Promise.all([a.join('other'), b.join('other')]);
    await a.leave('ev');
    expect(a.rooms).toEqual(['other']);
    await b.say('ev', 'after a left');
    await b.say('other', 'marker');
    // Frames to one client keep their order: once the marker is in, the earlier message would be too.
    await vi.waitFor(() => expect(seen).toEqual(['other: marker']));
    await expect(a.emit('ev', 'typing')).rejects.toMatchObject({ code: 'not_in_room' });
    // A join the server refuses leaves no room behind.
    await expect(a.join('no spaces')).rejects.toMatchObject({ code: 'invalid_room' });
    expect(a.rooms).toEqual(['other']);
  });

  it('gives up, closed, when the hello itself is refused', async () => {
    const server = await serve();
    const c = client(server, { ns: 'not a namespace!' });
    const errors: string[] = [];
    c.on('error', (e) => errors.push(e.code));
    await vi.waitFor(() => expect(c.state).toBe('closed'));
    expect(errors).toEqual(['bad_frame']);
    await expect(c.join('x')).rejects.toMatchObject({ code: 'closed' });
  });
});
