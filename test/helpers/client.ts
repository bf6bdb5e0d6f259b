import type { Wire } from '../../src/client/wire.js';
import { type EngineMode, engineWire } from '../../src/client/wires/engine.js';
import { rawwsWire } from '../../src/client/wires/rawws.js';
import { sseWire } from '../../src/client/wires/sse.js';
import { tcpWire } from '../../src/client/wires/tcp.js';
import type { Frame } from '../../src/lineui/render.js';

// Test clients ride on the Node client's own wires (src/client/wires/), so the tests and `switchboard chat`
// reach the gateway the same way.

export type { Frame };

/** How a test client reaches the gateway over engine.io. */
export type ClientKind = EngineMode;

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
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for close; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, timeoutMs);
      // Not through waitFor: its predicate is only tried on frames, and a closed connection may have none.
      const waiter = () => {
        if (!this.closed) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve();
      };
      this.waiters.push(waiter);
    });
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

/** Connects a TestClient over engine.io: forced WebSocket, forced polling, or polling then upgrade. */
export async function connectEngine(
  url: string,
  kind: ClientKind,
  headers: Record<string, string> = {},
): Promise<TestClient> {
  return new TestClient(await engineWire(url, kind, headers));
}

/** Connects a TestClient to `/ws` of the server at `url` (http://…), offering subprotocol switchboard.v1. */
export async function connectRawWs(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return new TestClient(await rawwsWire(`${url.replace(/^http/, 'ws')}/ws`, headers));
}

/** Connects a TestClient over TCP JSON lines to 127.0.0.1:`port` (the greeting line is skipped). */
export async function connectTcp(port: number): Promise<TestClient> {
  return new TestClient(await tcpWire('127.0.0.1', port));
}

/** Connects a TestClient over SSE to `/sse/` of the server at `url` (http://…). */
export async function connectSse(url: string, headers: Record<string, string> = {}): Promise<TestClient> {
  return new TestClient(await sseWire(url, { headers }));
}
