import { type ClientRequest, createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { describe, expect, it, vi } from 'vitest';
import { type SseEvent, SseParser } from '../../src/client/wires/sse.js';
import { SseConnection } from '../../transports/sse/connection.js';
import { eventLength, frameEvent, openingEvent } from '../../transports/sse/events.js';
import { connectSse, type Frame } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The SSE transport over plain HTTP requests, for what the conformance suite does not reach: the cursor
// in each event id, a stream that drops and comes back with Last-Event-ID, bounds, and heartbeats.

const SSE = ['sse'];

/** A GET /sse/ event stream read by hand. */
class RawStream {
  readonly events: SseEvent[] = [];
  ended = false;
  private readonly parser = new SseParser();

  private constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
    readonly raw: string[],
  ) {
    const decoder = new StringDecoder('utf8');
    res.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      raw.push(text);
      this.events.push(...this.parser.feed(text));
    });
    res.on('close', () => {
      this.ended = true;
    });
  }

  /** Opens a stream; resolves once the response headers are in. */
  static open(server: TestServer, headers: Record<string, string> = {}): Promise<RawStream> {
    return new Promise((resolve, reject) => {
      const req = request(`${server.url}/sse/`, { headers: { accept: 'text/event-stream', ...headers } });
      req.on('response', (res) => resolve(new RawStream(req, res, [])));
      req.on('error', reject);
      req.end();
    });
  }

  get stream(): string {
    const session = this.events.find((e) => e.event === 'session');
    return (JSON.parse(session?.data ?? '{}') as { stream: string }).stream;
  }

  frames(): Frame[] {
    return this.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as Frame);
  }

  lastId(): string | undefined {
    return this.events.at(-1)?.id;
  }

  async waitFor(predicate: (f: Frame) => boolean): Promise<Frame> {
    let found: Frame | undefined;
    await vi.waitFor(
      () => {
        found = this.frames().find(predicate);
        expect(found).toBeDefined();
      },
      { timeout: 5000, interval: 5 },
    );
    return found as Frame;
  }

  post(server: TestServer, body: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${server.url}/sse/?stream=${this.stream}`, { method: 'POST', body, headers });
  }

  destroy(): void {
    this.req.destroy();
  }
}

describe('SSE transport', () => {
  it('numbers each event STREAM:N and resumes a dropped stream from Last-Event-ID without loss or duplicate', async () => {
    await using server = await startServer({ transports: SSE, ratePerSec: 0 });
    const first = await RawStream.open(server);
    expect(first.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    // A stream is delimited by its connection's end, not chunked: no chunk framing around every event.
    expect(first.res.headers['transfer-encoding']).toBeUndefined();
    expect(first.res.headers.connection).toBe('close');
    await vi.waitFor(() => expect(first.stream).toMatch(/^t_/));
    expect(first.raw.join('')).toMatch(/^id: t_[\w-]+:0\nretry: \d+\nevent: session\n/);
    const stream = first.stream;
    expect(
      (await first.post(server, '{"type":"hello","nick":"ann"}\n{"type":"join","room":"r","id":1}\n')).status,
    ).toBe(204);
    await first.waitFor((f) => f.type === 'ack' && f.id === 1);
    expect(first.events.filter((e) => e.event === 'message').map((e) => e.id)).toEqual([
      `${stream}:1`,
      `${stream}:2`,
    ]);

    const bob = await connectSse(server.url);
    await bob.hello({ nick: 'bob' });
    await bob.request({ type: 'join', room: 'r' });
    await bob.request({ type: 'say', room: 'r', text: 'one' });
    await first.waitFor((f) => f.type === 'message' && f.text === 'one');
    const cursor = first.lastId() as string;
    first.destroy();
    // While no response is attached, what comes for ann waits for her.
    await bob.request({ type: 'say', room: 'r', text: 'two' });
    await bob.request({ type: 'say', room: 'r', text: 'three' });

    const back = await RawStream.open(server, { 'last-event-id': cursor });
    expect(back.res.statusCode).toBe(200);
    await back.waitFor((f) => f.type === 'message' && f.text === 'three');
    expect(back.stream).toBe(stream);
    expect(
      back
        .frames()
        .filter((f) => f.type === 'message')
        .map((f) => f.text),
    ).toEqual(['two', 'three']);
    // The same session carries on: no new hello, requests go in on the same stream id.
    expect((await back.post(server, '{"type":"say","room":"r","text":"four","id":9}')).status).toBe(204);
    await back.waitFor((f) => f.type === 'ack' && f.id === 9);
    expect(bob.messages('r').map((m) => m.text)).toContain('one');
    await bob.waitFor((f) => f.type === 'message' && f.text === 'four', 'four');
    expect(bob.frames.some((f) => f.type === 'presence' && f.event === 'leave')).toBe(false);
    back.destroy();
    bob.close();
  });

  it('answers an unknown or unresumable cursor with 404 unknown_stream, so the client starts over with hello.resume', async () => {
    await using server = await startServer({ transports: SSE });
    for (const id of ['t_nosuchstream:3', 'garbage']) {
      const res = await fetch(`${server.url}/sse/`, { headers: { 'last-event-id': id } });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({
        statusCode: 404,
        code: 'unknown_stream',
        message: expect.any(String),
      });
    }
    const live = await RawStream.open(server);
    await vi.waitFor(() => expect(live.stream).toMatch(/^t_/));
    // A cursor past what the stream has sent cannot be served either.
    const ahead = await fetch(`${server.url}/sse/`, { headers: { 'last-event-id': `${live.stream}:99` } });
    expect(ahead.status).toBe(404);
    const post = await fetch(`${server.url}/sse/?stream=t_nosuchstream`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(404);
    expect((await post.json()).code).toBe('unknown_stream');
    const put = await fetch(`${server.url}/sse/`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect((await put.json()).code).toBe('method_not_allowed');
    live.destroy();
  });

  it('refuses a POST body over four frames unread (413), tells the stream frame_too_large, and keeps the session', async () => {
    const maxFrameBytes = 4096;
    // With ALLOWED_ORIGINS set, a POST from an Origin outside it is refused even on a stream opened without one.
    await using server = await startServer({
      transports: SSE,
      maxFrameBytes,
      allowedOrigins: ['https://app.example'],
    });
    const s = await RawStream.open(server);
    await vi.waitFor(() => expect(s.stream).toMatch(/^t_/));
    await s.post(server, '{"type":"hello","nick":"big"}');
    await s.waitFor((f) => f.type === 'welcome');
    const huge = await s.post(server, `{"type":"ping","pad":"${'x'.repeat(maxFrameBytes * 5)}"}`);
    expect(huge.status).toBe(413);
    expect((await huge.json()).code).toBe('payload_too_large');
    await s.waitFor((f) => f.type === 'error' && f.code === 'frame_too_large');
    await s.post(server, '{"type":"ping","id":5}');
    await s.waitFor((f) => f.type === 'ack' && f.id === 5);
    const bad = await s.post(server, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) as unknown as string);
    expect(bad.status).toBe(400);
    await s.waitFor((f) => f.type === 'error' && f.code === 'bad_frame');
    const elsewhere = await s.post(server, '{"type":"ping"}', { origin: 'https://evil.example' });
    expect(elsewhere.status).toBe(403);
    expect((await elsewhere.json()).code).toBe('forbidden_origin');
    s.destroy();
  });

  it('sends heartbeats as comments, and gives up on a stream that does not come back within the grace, and ends one at once on DELETE', async () => {
    await using server = await startServer({
      transports: SSE,
      pingIntervalMs: 20,
      pingTimeoutMs: 200,
      presenceGraceMs: 100,
    });
    const s = await RawStream.open(server);
    await vi.waitFor(() => expect(s.raw.join('')).toContain('\n:\n\n'));
    // A comment is never dispatched as an event.
    expect(s.events.map((e) => e.event)).toEqual(['session']);
    const watcher = await connectSse(server.url);
    await watcher.hello({ nick: 'watcher' });
    await watcher.request({ type: 'join', room: 'r' });
    await s.post(server, '{"type":"hello","nick":"gone"}\n{"type":"join","room":"r","id":1}');
    await s.waitFor((f) => f.type === 'ack' && f.id === 1);
    s.destroy();
    // No reconnect within the grace (PING_TIMEOUT_MS): the session ends, and after the presence grace
    // the room is told.
    await watcher.next('presence', (f) => f.nick === 'gone' && f.event === 'leave');
    const late = await fetch(`${server.url}/sse/`, { headers: { 'last-event-id': s.lastId() as string } });
    expect(late.status).toBe(404);
    // DELETE ends the stream at once; its session leaves after the presence grace (100 ms here).
    const other = await RawStream.open(server);
    await vi.waitFor(() => expect(other.stream).toMatch(/^t_/));
    await other.post(server, '{"type":"hello","nick":"leaver"}\n{"type":"join","room":"r"}');
    await watcher.next('presence', (f) => f.nick === 'leaver' && f.event === 'join');
    const del = await fetch(`${server.url}/sse/?stream=${other.stream}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    await watcher.next('presence', (f) => f.nick === 'leaver' && f.event === 'leave');
    await vi.waitFor(() => expect(other.ended).toBe(true));
    watcher.close();
  });

  it('drops a stream that never reads (bye slow_consumer) instead of buffering without bound', async () => {
    const maxBufferBytes = 65536;
    await using server = await startServer({ transports: SSE, ratePerSec: 0, maxBufferBytes });
    const slow = await RawStream.open(server);
    await vi.waitFor(() => expect(slow.stream).toMatch(/^t_/));
    await slow.post(server, '{"type":"hello","nick":"slow"}\n{"type":"join","room":"r","id":1}');
    await slow.waitFor((f) => f.type === 'ack' && f.id === 1);
    const session = [...server.app.switchboard.hub.sessions].find((s) => s.nick === 'slow');
    slow.res.pause();
    const sender = await connectSse(server.url);
    await sender.hello({ nick: 'sender' });
    await sender.request({ type: 'join', room: 'r' });
    const data = 'z'.repeat(4000);
    let rounds = 0;
    // Bounded: at most 2,000 rounds of 40 kB; stops once the server gives up on the slow stream.
    while (!session?.isClosed && rounds < 2000) {
      for (let i = 0; i < 10; i++) sender.send({ type: 'emit', room: 'r', event: 'blob', data });
      rounds++;
      await sender.request({ type: 'ping' });
    }
    expect(session?.isClosed).toBe(true);
    slow.res.resume();
    await vi.waitFor(() => expect(slow.ended).toBe(true), { timeout: 15_000 });
    expect(slow.frames().at(-1)).toMatchObject({ type: 'bye', code: 'slow_consumer' });
    expect(await sender.request({ type: 'ping' })).toMatchObject({ type: 'ack' });
    sender.close();
  });
});

describe('SSE stream replay bound', () => {
  /** A real HTTP server whose GET `/?after=N` puts its response under `conn` (404 when it cannot). */
  async function serve(conn: () => SseConnection): Promise<{ url: string; close: () => Promise<void> }> {
    const server = createServer((req, res) => {
      const after = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('after'));
      if (!conn().attach(res, after)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      close: () => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(() => resolve()));
      },
    };
  }

  /** Opens `GET /?after=N`; its status and the text read so far. */
  function open(
    url: string,
    after: number,
  ): Promise<{ status: number; text: () => string; req: ClientRequest }> {
    return new Promise((resolve, reject) => {
      const req = request(`${url}/?after=${after}`);
      req.on('response', (res) => {
        const decoder = new StringDecoder('utf8');
        let text = '';
        res.on('data', (chunk: Buffer) => {
          text += decoder.write(chunk);
        });
        resolve({ status: res.statusCode ?? 0, text: () => text, req });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('keeps written frames up to replayBytes (counted as whole events), never drops one no response carried, and replays exactly what follows the cursor', async () => {
    const frame = `{"type":"message","text":"${'x'.repeat(50)}"}`;
    const stream = 't_bound';
    // Frames 1 to 9 have events of the same length; the bound holds three of them.
    const length = eventLength(stream, 1, frame);
    const limits = { graceMs: 60_000, replayBytes: 3 * length, heartbeatMs: 60_000, closeGraceMs: 1000 };
    const conn = new SseConnection(stream, limits, () => {});
    const opening = openingEvent(stream, limits.heartbeatMs);
    const http = await serve(() => conn);
    try {
      const first = await open(http.url, 0);
      expect(first.status).toBe(200);
      await vi.waitFor(() => expect(first.text()).toContain('event: session'));
      for (let n = 1; n <= 5; n++) conn.write([frame]);
      const live = [1, 2, 3, 4, 5].map((n) => frameEvent(stream, n, frame)).join('');
      await vi.waitFor(() => expect(first.text()).toBe(`id: ${stream}:0\n${opening}${live}`));
      first.req.destroy();
      await vi.waitFor(() => expect(conn.attached).toBe(false));

      // Frames 1 and 2 fell out of the bound: a cursor that needs them cannot be served.
      expect((await open(http.url, 1)).status).toBe(404);
      const back = await open(http.url, 2);
      expect(back.status).toBe(200);
      const replay = [3, 4, 5].map((n) => frameEvent(stream, n, frame)).join('');
      // Exactly the opening (its id the cursor named) and then frames 3 to 5: nothing lost, nothing twice.
      await vi.waitFor(() => expect(back.text()).toBe(`id: ${stream}:2\n${opening}${replay}`));
      back.req.destroy();
      await vi.waitFor(() => expect(conn.attached).toBe(false));

      // Written while no response is attached: all four wait, over the bound, and count as waiting bytes.
      for (let n = 6; n <= 9; n++) conn.write([frame]);
      expect(conn.bufferedBytes()).toBe(4 * length);
      const again = await open(http.url, 5);
      expect(again.status).toBe(200);
      const waited = [6, 7, 8, 9].map((n) => frameEvent(stream, n, frame)).join('');
      await vi.waitFor(() => expect(again.text()).toBe(`id: ${stream}:5\n${opening}${waited}`));
      again.req.destroy();
    } finally {
      conn.close();
      await http.close();
    }
  });
});
