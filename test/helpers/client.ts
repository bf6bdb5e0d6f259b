import { Socket } from 'engine.io-client';
import { rawwsWire as dialRawWs } from '../../src/client/wires/rawws.js';
import { tcpWire as dialTcp } from '../../src/client/wires/tcp.js';

/** A frame as a test sees it. */
export type Frame = { type: string; [key: string]: unknown };

/** How a test client reaches the gateway. */
export type ClientKind = 'websocket' | 'polling' | 'upgrade';

/** The wire under a test client: send text, receive text, close. */
export interface Wire {
  send(text: string): void;
  close(): void;
  onText(handler: (text: string) => void): void;
  onClose(handler: () => void): void;
  /** The transport name as the client library sees it. */
  transport(): string;
}

const WAIT_MS = 5000;

/**
 * A protocol-level test client over any wire: it records every frame (unpacking `batch`), and lets a
 * test wait for frames by predicate without sleeping.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  /** Raw frames as received, before batch unpacking. */
  readonly raw: Frame[] = [];
  closed = false;
  private nextId = 1;
  private cursor = 0;
  private waiters: (() => void)[] = [];

  constructor(readonly wire: Wire) {
    wire.onText((text) => {
      const frame = JSON.parse(text) as Frame;
      this.raw.push(frame);
      if (frame.type === 'batch') this.frames.push(...(frame.frames as Frame[]));
      else this.frames.push(frame);
      this.wake();
    });
    wire.onClose(() => {
      this.closed = true;
      this.wake();
    });
  }

  /** Sends a frame object, or raw text as it is. */
  send(frame: Frame | string): void {
    this.wire.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with a fresh id and resolves with its ack or error. */
  async request(frame: Frame): Promise<Frame> {
    const id = this.nextId++;
    const from = this.frames.length;
    this.send({ ...frame, id });
    return this.waitFor(
      (f, i) => i >= from && (f.type === 'ack' || f.type === 'error') && f.id === id,
      `reply to ${frame.type}#${id}`,
    );
  }

  /** Sends hello and resolves with welcome. */
  async hello(fields: Record<string, unknown> = {}): Promise<Frame> {
    this.send({ type: 'hello', v: 1, ...fields });
    return this.next('welcome');
  }

  /** Resolves with the next frame of that type after the cursor, advancing the cursor past it. */
  async next(type: string, predicate: (f: Frame) => boolean = () => true): Promise<Frame> {
    const start = this.cursor;
    const frame = await this.waitFor((f, i) => i >= start && f.type === type && predicate(f), `next ${type}`);
    this.cursor = this.frames.indexOf(frame) + 1;
    return frame;
  }

  /** Resolves with the first frame (anywhere in the record) that matches. */
  waitFor(
    predicate: (f: Frame, index: number) => boolean,
    what = 'frame',
    timeoutMs = WAIT_MS,
  ): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = this.frames.find(predicate);
        if (found) {
          resolve(found);
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      const waiter = () => {
        if (check()) {
          clearTimeout(timer);
          this.waiters = this.waiters.filter((w) => w !== waiter);
        }
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once `count` frames match. */
  async waitCount(predicate: (f: Frame) => boolean, count: number, timeoutMs = WAIT_MS): Promise<Frame[]> {
    await this.waitFor(() => this.frames.filter(predicate).length >= count, `${count} frames`, timeoutMs);
    return this.frames.filter(predicate);
  }

  /** Resolves when the connection is closed by the server. */
  waitClosed(timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor(() => this.closed, 'close', timeoutMs).then(() => undefined);
  }

  /** Messages of a room received so far, in arrival order. */
  messages(room: string): Frame[] {
    return this.frames.filter((f) => f.type === 'message' && f.room === room);
  }

  close(): void {
    this.wire.close();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** An engine.io-client wire: forced WebSocket, forced polling (no upgrade), or the default upgrade path. */
export function engineWire(
  url: string,
  kind: ClientKind,
  headers: Record<string, string> = {},
): Promise<Wire> {
  const socket = new Socket(url, {
    path: '/engine.io/',
    extraHeaders: headers,
    transports: kind === 'websocket' ? ['websocket'] : ['polling', 'websocket'],
    upgrade: kind === 'upgrade',
  });
  // Frames can arrive in the same read as the open packet: hold them until the test client listens.
  const early: string[] = [];
  let onText: ((text: string) => void) | undefined;
  let onClose: (() => void) | undefined;
  let closed = false;
  socket.on('message', (data) => (onText ? onText(String(data)) : early.push(String(data))));
  socket.on('close', () => {
    closed = true;
    onClose?.();
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      resolve({
        send: (text) => socket.send(text),
        close: () => socket.close(),
        onText: (handler) => {
          onText = handler;
          for (const text of early.splice(0)) handler(text);
        },
        onClose: (handler) => {
          onClose = handler;
          if (closed) handler();
        },
        transport: () => socket.transport.name,
      }),
    );
    socket.once('error', reject);
  });
}

/** Connects a TestClient over engine.io. */
export async function connectEngine(
  url: string,
  kind: ClientKind,
  headers: Record<string, string> = {},
): Promise<TestClient> {
  return new TestClient(await engineWire(url, kind, headers));
}

/** A raw WebSocket wire to `/ws` of the server at `url` (http://…), offering subprotocol switchboard.v1. */
export function rawwsWire(url: string, headers: Record<string, string> = {}): Promise<Wire> {
  return dialRawWs(`${url.replace(/^http/, 'ws')}/ws`, headers);
}

/** A TCP JSON-lines wire to 127.0.0.1:`port` (the greeting line is skipped). */
export function tcpWire(port: number): Promise<Wire> {
  return dialTcp('127.0.0.1', port);
}

/** Connects a TestClient over the raw WebSocket transport. */
export async function connectRawWs(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return new TestClient(await rawwsWire(url, headers));
}

/** Connects a TestClient over TCP JSON lines. */
export async function connectTcp(port: number): Promise<TestClient> {
  return new TestClient(await tcpWire(port));
}
