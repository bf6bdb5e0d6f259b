import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';
import type { Config } from '../../src/server/config.js';
import { connectRawWs } from './client.js';
import { upgradeRequest } from './raw-ws.js';
import { startServer, type TestServer } from './server.js';

/** Attackers dial from here, so per-IP limits on them never touch the bystander on 127.0.0.1. */
export const ATTACKER_IP = '127.0.0.2';

/** A gateway with every transport (TCP lines too) and small limits, for hostile tests. */
export function startHostile(overrides: Partial<Config> = {}): Promise<TestServer> {
  return startServer({
    transports: ['engineio', 'rawws', 'sse', 'tcp'],
    maxFrameBytes: 4096,
    maxBufferBytes: 256 * 1024,
    ...overrides,
  });
}

let chats = 0;

/**
 * Proves the gateway is alive and unharmed: two fresh clients (from 127.0.0.1) join a room and one's message
 * is acked and reaches the other.
 */
export async function assertStillChats(server: TestServer): Promise<void> {
  const n = ++chats;
  const a = await connectRawWs(server.url);
  const b = await connectRawWs(server.url);
  try {
    await a.hello({ nick: `by-a${n}` });
    await b.hello({ nick: `by-b${n}` });
    const room = `still-${n}`;
    expect(await a.request({ type: 'join', room })).toMatchObject({ type: 'ack' });
    expect(await b.request({ type: 'join', room })).toMatchObject({ type: 'ack' });
    const text = `alive ${n}`;
    expect(await a.request({ type: 'say', room, text })).toMatchObject({ type: 'ack' });
    await b.waitFor((f) => f.type === 'message' && f.text === text, text, 10_000);
  } finally {
    a.close();
    b.close();
  }
}

/** A plain TCP peer from ATTACKER_IP that writes whatever bytes a test likes and records what comes back. */
export class RawPeer {
  readonly socket: Socket;
  private data = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  /** Opens a TCP connection to 127.0.0.1:`port` from ATTACKER_IP. */
  static open(port: number): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress: ATTACKER_IP });
      socket.once('connect', () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  /** Opens a raw WebSocket upgrade on `path` and resolves once the response head arrived. */
  static async upgrade(port: number, path: string, headers: Record<string, string> = {}): Promise<RawPeer> {
    const peer = await RawPeer.open(port);
    peer.write(upgradeRequest(port, path, headers));
    await peer.until(() => peer.closed || peer.text().includes('\r\n\r\n'), 'upgrade response');
    return peer;
  }

  /** Writes bytes or a string. */
  write(bytes: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  /** Everything received so far, as bytes. */
  bytes(): Buffer {
    return this.data;
  }

  /** Everything received so far, as latin1 text (byte-faithful). */
  text(): string {
    return this.data.toString('latin1');
  }

  /** The HTTP status of the first response received, or 0. */
  status(): number {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(this.text());
    return m ? Number(m[1]) : 0;
  }

  /** Resolves once `condition` holds (checked on every arrival and close). */
  until(condition: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (condition()) return resolve();
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.text().slice(-300))}`));
      }, timeoutMs);
      const waiter = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves when the server closed the connection. */
  waitClosed(timeoutMs = 10_000): Promise<void> {
    return this.until(() => this.closed, 'close', timeoutMs);
  }

  /** Cuts the connection at once (RST), like a killed process. */
  kill(): void {
    this.socket.resetAndDestroy();
  }

  /** Ends politely. */
  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** A raw HTTP/1.1 request with Connection: close. */
export function httpRequest(
  method: string,
  path: string,
  port: number,
  headers: Record<string, string> = {},
  body: Buffer | string = '',
): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const all: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Connection: 'close',
    ...(bytes.length > 0 || method === 'POST' ? { 'Content-Length': String(bytes.length) } : {}),
    ...headers,
  };
  const head = Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  return Buffer.concat([Buffer.from(`${method} ${path} HTTP/1.1\r\n${head}\r\n`), bytes]);
}

/** Sends one raw HTTP request from ATTACKER_IP and resolves with the whole response once the server closes. */
export async function rawHttp(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body: Buffer | string = '',
): Promise<{ status: number; text: string }> {
  const peer = await RawPeer.open(port);
  peer.write(httpRequest(method, path, port, headers, body));
  await peer.waitClosed(15_000);
  return { status: peer.status(), text: peer.text() };
}
