import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import type { History } from '../../src/history/history.js';
import { MemoryHistory } from '../../src/history/memory.js';
import { buildServer } from '../../src/server/app.js';
import { loadConfig } from '../../src/server/config.js';
import { bystanders } from '../helpers/bystanders.js';
import { connectEngine, connectRawWs, type TestClient } from '../helpers/client.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Texts that grow when JSON-escaped (each `"` becomes `\"`): 8 KB of JSON per message. */
const HEAVY = '"'.repeat(4000);

/** Fills room `big` with `count` heavy messages and resolves once all are acked. */
async function fill(client: TestClient, count: number): Promise<void> {
  await client.hello({ nick: 'filler' });
  await client.request({ type: 'join', room: 'big' });
  await Promise.all(
    Array.from({ length: count }, () => client.request({ type: 'say', room: 'big', text: HEAVY })),
  );
}

/** Opens a plain TCP socket to the HTTP port that sends `requests` GETs in one write and never reads. */
async function pipeline(
  server: TestServer,
  path: string,
  requests: number,
): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(server.port, '127.0.0.1');
  socket.on('error', () => {});
  socket.pause();
  await new Promise((resolve) => socket.once('connect', resolve));
  const closed = serverClosed(server, socket);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(requests));
  return { socket, closed };
}

/**
 * Resolves when the server has closed its end of `client`'s connection. A client that never reads would not
 * notice the close itself, so this watches the server's socket (the one whose peer port is the client's).
 */
function serverClosed(server: TestServer, client: Socket): Promise<void> {
  return new Promise((resolve) => {
    const watch = (socket: Socket) => {
      if (socket.remotePort !== client.localPort) return;
      server.app.server.off('connection', watch);
      if (socket.destroyed) resolve();
      else socket.once('close', () => resolve());
    };
    server.app.server.on('connection', watch);
  });
}

/** GET from a chosen local address of the loopback net, so a test can be two clients at once. */
function getFrom(
  localAddress: string,
  url: string,
): Promise<{ status: number; body: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body,
          ...(res.headers['retry-after'] ? { retryAfter: String(res.headers['retry-after']) } : {}),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const calmPair = (server: TestServer) =>
  bystanders(
    server,
    () => connectRawWs(server.url),
    () => connectEngine(server.url, 'polling'),
  );

describe('HTTP bounds', () => {
  it('destroys a socket that pipelines more requests than the cap, and still answers a few pipelined ones in order', async () => {
    await using server = await startServer({ maxPipelinedRequests: 4 });
    const calm = await calmPair(server);
    const flood = await pipeline(server, '/healthz', 60);
    await flood.closed;
    flood.socket.destroy();

    const polite = connect(server.port, '127.0.0.1');
    let answers = '';
    polite.setEncoding('utf8');
    polite.on('data', (chunk: string) => {
      answers += chunk;
    });
    polite.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'.repeat(4));
    await vi.waitFor(() => expect(answers.match(/HTTP\/1\.1 200/g)).toHaveLength(4));
    polite.destroy();
    await calm.stillFine();
    calm.close();
  });

  it('ends keep-alive at MAX_REQUESTS_PER_SOCKET answers (the last says Connection: close), and a polling session lives on across new sockets', async () => {
    await using server = await startServer({ maxRequestsPerSocket: 3, ratePerSec: 0 });
    // One GET at a time on one keep-alive socket: the third answer is its last (the client closes on it).
    const raw = connect(server.port, '127.0.0.1');
    let answers = '';
    raw.setEncoding('utf8');
    raw.on('data', (chunk: string) => {
      answers += chunk;
    });
    for (let i = 1; i <= 3; i++) {
      raw.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await vi.waitFor(() => expect(answers.match(/HTTP\/1\.1 200/g)).toHaveLength(i));
    }
    raw.destroy();
    const heads = answers.split(/(?=HTTP\/1\.1 \d{3} )/);
    expect(heads).toHaveLength(3);
    expect(heads[2]).toMatch(/\r\nconnection: close/i);
    expect(heads[1]).not.toMatch(/\r\nconnection: close/i);

    let sockets = 0;
    server.app.server.on('connection', () => sockets++);
    const speaker = await connectRawWs(server.url);
    const reader = await connectEngine(server.url, 'polling');
    await speaker.hello({ nick: 'speaker' });
    await reader.hello({ nick: 'reader' });
    await reader.request({ type: 'join', room: 'r' });
    await speaker.request({ type: 'join', room: 'r' });
    // One at a time, so every message is a poll of its own: 30 polls are ten sockets' worth.
    for (let i = 0; i < 30; i++) {
      await speaker.request({ type: 'say', room: 'r', text: `m${i}` });
      await reader.waitCount((f) => f.type === 'message' && f.room === 'r', i + 1);
    }
    expect(reader.messages('r').map((f) => f.text)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    expect(reader.frames.some((f) => f.type === 'bye')).toBe(false);
    expect(sockets).toBeGreaterThan(10);
    speaker.close();
    reader.close();
  });

  it('destroys a socket whose peer does not take its responses within the write timeout', async () => {
    await using server = await startServer({
      ratePerSec: 0,
      responseWriteTimeoutMs: 200,
      historyBytesPerSec: 1e9,
    });
    const filler = await connectRawWs(server.url);
    await fill(filler, 200);
    const calm = await calmPair(server);
    // Six pages of 1.6 MB: more than the kernel buffers on both ends take, so the last ones never finish.
    const reader = await pipeline(server, '/api/rooms/big/messages?limit=200', 6);
    await reader.closed;
    reader.socket.destroy();
    await calm.stillFine();
    filler.close();
    calm.close();
  });

  it('answers pipelined history pages one at a time, each made only as fast as its budget and the peer allow', async () => {
    const memory = new MemoryHistory({ newEpoch: () => 'e1' });
    let ranges = 0;
    // Counts the page reads the REST route starts, so the test sees whether later pipelined requests wait.
    const counting: History = {
      append: (...a) => memory.append(...a),
      info: (...a) => memory.info(...a),
      range: (...a) => {
        ranges++;
        return memory.range(...a);
      },
      close: () => memory.close(),
    };
    await using server = await startServer(
      { ratePerSec: 0, historyBytesPerSec: 128 * 1024, responseWriteTimeoutMs: 60_000 },
      { history: counting },
    );
    const filler = await connectRawWs(server.url);
    await fill(filler, 200);
    const calm = await calmPair(server);
    const before = ranges;
    // Four pages of 1.6 MB each, at 128 KB/s: the first takes over ten seconds to make, and nothing is read.
    const reader = await pipeline(server, '/api/rooms/big/messages?limit=200', 4);
    await vi.waitFor(() => expect(ranges - before).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(ranges - before).toBe(1);
    await calm.stillFine();
    reader.socket.destroy();
    filler.close();
    calm.close();
  });

  it('answers 429 rate_limited past HISTORY_BYTES_PER_SEC for one address while another reads on', async () => {
    await using server = await startServer({ ratePerSec: 0, historyBytesPerSec: 65536 });
    const filler = await connectRawWs(server.url);
    await fill(filler, 20);
    const url = `${server.url}/api/rooms/big/messages?limit=200`;
    const first = await getFrom('127.0.0.1', url);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body).messages).toHaveLength(20);
    const second = await getFrom('127.0.0.1', url);
    expect(second.status).toBe(429);
    expect(JSON.parse(second.body)).toMatchObject({ statusCode: 429, code: 'rate_limited' });
    expect(Number(second.retryAfter)).toBeGreaterThan(0);
    const other = await getFrom('127.0.0.2', url);
    expect(other.status).toBe(200);
    filler.close();
  });

  it('answers a JSON 500 when a response fails after it had set another content type', async () => {
    const app = await buildServer(loadConfig({}, [], { logLevel: 'silent', port: 0 }));
    // What @fastify/static does for GET /: headers for an HTML file, then a stream that cannot open (EMFILE
    // when no file descriptor is left; here a file that does not exist).
    app.get('/broken-file', (_request, reply) => {
      reply.type('text/html; charset=utf-8').header('content-length', '12345');
      return reply.send(createReadStream('/nonexistent/switchboard/index.html'));
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      const res = await fetch(`http://127.0.0.1:${port}/broken-file`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.json()).toMatchObject({ statusCode: 500, code: 'internal' });
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
