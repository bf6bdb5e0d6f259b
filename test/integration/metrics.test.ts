import { connect } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { describe, expect, it } from 'vitest';
import { parsePromText, type Sample, sampleSum } from '../../bench/soak/prom-text.js';
import { switchboard } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { connectEngine, connectRawWs, connectTcp, type TestClient } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

const SECRET_TEXT = 'the-deploy-token-is-hunter2';

/** A gateway whose pino log lines are kept, parsed, in `logs`. */
async function loggedServer() {
  const logs: Record<string, unknown>[] = [];
  const config = loadConfig({}, [], {
    logLevel: 'info',
    port: 0,
    tcpPort: 0,
    host: '127.0.0.1',
    historyLimit: 5,
    maxBufferBytes: 65536,
    transports: ['engineio', 'rawws', 'tcp'],
  });
  const app: FastifyInstance = Fastify({
    logger: {
      level: 'info',
      stream: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
    },
    forceCloseConnections: true,
  });
  await app.register(switchboard, {
    config,
    hooks: {
      say: ({ room }) => (room === 'closed' ? { action: 'refuse', reason: 'room_closed' } : undefined),
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const tcpPort = app.switchboard.transports.find((t) => t.name === 'tcp')?.address?.()?.port ?? 0;
  return {
    app,
    logs,
    url: `http://127.0.0.1:${port}`,
    tcpPort,
    [Symbol.asyncDispose]: () => app.close(),
  };
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePromText(await res.text());
}

describe('GET /metrics', () => {
  it('moves every counter as clients connect, chat, err, resume, flood and stop reading; logs carry no text', async () => {
    await using server = await loggedServer();
    const { url } = server;
    const before = await scrape(url);
    expect(sampleSum(before, 'switchboard_connections_opened_total')).toBe(0);

    // One client per transport; the polling one upgrades.
    const clients: TestClient[] = [
      await connectEngine(url, 'websocket'),
      await connectEngine(url, 'polling'),
      await connectEngine(url, 'upgrade'),
      await connectRawWs(url),
      await connectTcp(server.tcpPort),
    ];
    for (const [i, c] of clients.entries()) {
      await c.hello({ nick: `u${i}` });
      await c.request({ type: 'join', room: 'r' });
    }
    const upgraded = clients[2] as TestClient;
    const joined = await upgraded.request({ type: 'join', room: 'r2' });
    for (let i = 0; i < 12; i++)
      await upgraded.request({ type: 'say', room: 'r2', text: `${SECRET_TEXT}-${i}` });
    await (clients[0] as TestClient).request({ type: 'say', room: 'r', text: SECRET_TEXT });
    for (const c of clients) await c.waitFor((f) => f.type === 'message' && f.text === SECRET_TEXT);

    // An error, and a hook's refusal.
    const bad = await (clients[3] as TestClient).request({ type: 'join', room: '' });
    expect(bad.type).toBe('error');
    await (clients[3] as TestClient).request({ type: 'join', room: 'closed' });
    const refusedSay = await (clients[3] as TestClient).request({
      type: 'say',
      room: 'closed',
      text: SECRET_TEXT,
    });
    expect(refusedSay).toMatchObject({ type: 'error', code: 'refused' });

    // A resume from before what the history (5 messages) still holds: resumed, with a gap.
    const late = await connectEngine(url, 'websocket');
    late.send({
      type: 'hello',
      resume: { session: 's_gone', rooms: { r2: { epoch: joined.epoch, seq: 2 } } },
    });
    await late.next('resumed');
    expect(late.frames.some((f) => f.type === 'gap' && f.reason === 'trimmed')).toBe(true);

    // A handshake from a foreign Origin, refused by admission before a session exists.
    const foreign = await fetch(`${url}/engine.io/?EIO=4&transport=polling`, {
      headers: { origin: 'http://evil.example' },
    });
    expect(foreign.status).toBe(403);
    await foreign.text();

    // A flood past the rate limit (20/s, burst 40): frames dropped, then the connection cut.
    const flooder = await connectRawWs(url);
    await flooder.hello({ nick: 'flooder' });
    for (let i = 0; i < 120; i++) flooder.send({ type: 'ping', id: 1000 + i });
    await flooder.waitFor((f) => f.type === 'bye' && f.code === 'rate_limited', 'bye rate_limited', 15_000);

    // A TCP peer that stops reading while the room is fed past MAX_BUFFER_BYTES.
    const slow = connect(server.tcpPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => slow.once('connect', resolve).once('error', reject));
    slow.write('{"type":"hello","nick":"slow"}\n{"type":"join","room":"blobs","id":1}\n');
    const hub = server.app.switchboard.hub;
    await expect
      .poll(() => [...hub.sessions].find((s) => s.nick === 'slow')?.rooms.has('blobs'), { timeout: 10_000 })
      .toBe(true);
    const session = [...hub.sessions].find((s) => s.nick === 'slow');
    slow.pause();
    const blob = 'z'.repeat(4000);
    for (let round = 0; round < 5000 && !session?.isClosed; round++) {
      for (let i = 0; i < 10; i++) server.app.switchboard.to('blobs').emit('blob', blob);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(session?.isClosed).toBe(true);
    slow.destroy();

    for (const c of clients) c.close();
    late.close();
    await expect
      .poll(async () => sampleSum(await scrape(url), 'switchboard_fallbacks_total'), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1);

    const after = await scrape(url);
    const count = (name: string, labels: Record<string, string> = {}) => sampleSum(after, name, labels);
    for (const transport of ['websocket', 'polling', 'rawws', 'tcp']) {
      expect(count('switchboard_connections_opened_total', { transport }), transport).toBeGreaterThanOrEqual(
        1,
      );
      expect(count('switchboard_frames_in_total', { transport }), transport).toBeGreaterThan(0);
      expect(count('switchboard_frames_out_total', { transport }), transport).toBeGreaterThan(0);
    }
    // Every connection opened was counted open on its transport and is closed by now.
    for (const transport of ['websocket', 'polling', 'rawws', 'tcp']) {
      const open = after.filter(
        (x) => x.name === 'switchboard_connections' && x.labels.transport === transport,
      );
      expect(
        open.map((x) => x.value),
        transport,
      ).toEqual([0]);
    }
    expect(count('switchboard_upgrades_total')).toBeGreaterThanOrEqual(1);
    expect(
      count('switchboard_transport_changes_total', { from: 'polling', to: 'websocket' }),
    ).toBeGreaterThanOrEqual(1);
    expect(count('switchboard_fallbacks_total')).toBeGreaterThanOrEqual(1);
    expect(count('switchboard_errors_total', { code: bad.code as string })).toBeGreaterThanOrEqual(1);
    expect(count('switchboard_errors_total', { code: 'rate_limited' })).toBeGreaterThanOrEqual(1);
    expect(count('switchboard_refusals_total', { reason: 'rate_limited', transport: 'rawws' })).toBe(1);
    expect(count('switchboard_refusals_total', { reason: 'refused' })).toBe(1);
    expect(count('switchboard_refusals_total', { reason: 'forbidden_origin' })).toBe(1);
    expect(count('switchboard_resumes_total')).toBe(1);
    expect(count('switchboard_gaps_total', { reason: 'trimmed' })).toBeGreaterThanOrEqual(1);
    expect(count('switchboard_slow_consumer_closes_total', { transport: 'tcp' })).toBe(1);
    expect(count('switchboard_connections_closed_total', { reason: 'slow_consumer' })).toBe(1);
    expect(count('switchboard_connections_closed_total', { reason: 'rate_limited' })).toBe(1);
    expect(count('switchboard_delivery_latency_seconds_count')).toBeGreaterThan(0);
    expect(after.some((s) => s.name === 'nodejs_eventloop_lag_p99_seconds')).toBe(true);
    expect(count('process_resident_memory_bytes')).toBeGreaterThan(0);

    // Logs: structured, no message text anywhere, each refusal once with its reason.
    const text = server.logs.map((l) => JSON.stringify(l)).join('\n');
    expect(server.logs.length).toBeGreaterThan(0);
    expect(text).not.toContain(SECRET_TEXT);
    expect(text).not.toContain(blob);
    const refusals = server.logs.filter((l) => l.refused !== undefined);
    const tally = new Map<string, number>();
    for (const l of refusals)
      tally.set(`${l.refused}/${l.transport}`, (tally.get(`${l.refused}/${l.transport}`) ?? 0) + 1);
    const counted = new Map<string, number>();
    for (const s of after.filter((x) => x.name === 'switchboard_refusals_total' && x.value > 0))
      counted.set(`${s.labels.reason}/${s.labels.transport}`, s.value);
    expect(tally).toEqual(counted);
    expect(tally.get('rate_limited/rawws')).toBe(1);
  }, 90_000);

  it('requires METRICS_TOKEN when it is set (401 without or with a wrong one)', async () => {
    await using server = await startServer({ metricsToken: 'scrape-me-please' });
    const bare = await fetch(`${server.url}/metrics`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({ code: 'unauthorized' });
    const wrong = await fetch(`${server.url}/metrics`, {
      headers: { authorization: 'Bearer scrape-me-pleasf' },
    });
    expect(wrong.status).toBe(401);
    const samples = await scrape(server.url, { authorization: 'Bearer scrape-me-please' });
    expect(sampleSum(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('is not served with METRICS=off (404)', async () => {
    await using server = await startServer({ metrics: false });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(server.app.switchboard.metrics).toBeUndefined();
    const c = await connectEngine(server.url, 'websocket');
    await c.hello({ nick: 'a' });
    c.close();
  });
});
