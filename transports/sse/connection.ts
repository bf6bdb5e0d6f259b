import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Connection } from '../../src/core/connection.js';
import { FrameCache } from '../frame-cache.js';
import { dataField, eventLength, frameEvent, HEARTBEAT, idField, openingEvent } from './events.js';

/**
 * The `data:` part of each event of this turn, shared by every SSE stream of the process: a broadcast
 * hands every member the same frame string, so it is encoded once and only the `id:` line is per stream.
 */
const dataFields = new FrameCache((frame) => Buffer.from(dataField(frame)));

/** Lets a socket corked for this turn write what it holds. */
function uncork(socket: Socket): void {
  socket.uncork();
}

/**
 * Where a stream's events go: past its headers a close-delimited response's bytes are its socket's own (no
 * chunk framing), so they go straight onto it, corked until the next tick as the response itself would (every
 * write of the turn leaves in one), without the response's bookkeeping per write. Before that, the response.
 */
function streamSocket(res: ServerResponse): Socket | ServerResponse {
  const socket = res.socket;
  if (!res.headersSent || !socket) return res;
  if (!socket.writableCorked) {
    socket.cork();
    process.nextTick(uncork, socket);
  }
  return socket;
}

/** How long a stream that ended without goodbye may take to come back, and how much it may replay. */
export interface StreamLimits {
  /** A dropped stream's session waits this long for the browser's own reconnect, ms. */
  graceMs: number;
  /** Frames already written that are kept for a reconnect's replay, in bytes (UTF-16 units). */
  replayBytes: number;
  /** The heartbeat interval announced to the client, ms. */
  heartbeatMs: number;
  /** How long an ended response may take to flush before its socket is cut, ms. */
  closeGraceMs: number;
}

/**
 * One retained frame: its number on the stream, the frame (the very string every other recipient keeps,
 * not a copy), and the length of its event, which is what counts against `replayBytes`.
 */
interface Retained {
  n: number;
  frame: string;
  length: number;
}

/**
 * One SSE stream as a Connection. Every frame gets the next number `n` and goes out as one event whose
 * id is `STREAM:n`. The response under it may drop and come back (a browser's EventSource reconnects by
 * itself with `Last-Event-ID`): written frames are kept, up to `replayBytes`, so the new response starts
 * right after the last frame the client names, and frames written while no response is attached wait
 * for it (bounded by the hub through `bufferedBytes`).
 */
export class SseConnection implements Connection {
  readonly transport = 'sse';
  /** Set once closed on purpose or given up on; the stream id is then unknown to the transport. */
  ended = false;
  private res: ServerResponse | undefined;
  private n = 0;
  /** Highest frame number written to a response. */
  private sentN = 0;
  private readonly retained: Retained[] = [];
  private retainedBytes = 0;
  /** Bytes of frames written while no response was attached. */
  private waitingBytes = 0;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly stream: string,
    private readonly limits: StreamLimits,
    private readonly gone: (conn: SseConnection) => void,
  ) {}

  /** Whether a response is attached now. */
  get attached(): boolean {
    return this.res !== undefined;
  }

  /**
   * Puts `res` (headers not yet sent) under the stream, replaying every frame after `after`. Returns false,
   * without touching `res`, when frames after `after` are no longer kept (or `after` is in the future).
   */
  attach(res: ServerResponse, after: number): boolean {
    if (this.ended || after > this.n) return false;
    const first = this.retained[0]?.n ?? this.n + 1;
    if (after < first - 1) return false;
    this.dropThrough(after);
    const previous = this.res;
    this.res = undefined;
    previous?.end();
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    // A stream has no length and ends with its connection (which `Connection: close` then says): no chunk
    // framing, which costs four socket writes per response write and eight bytes per event.
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      // nginx and others buffer proxied responses unless told not to; a stream must not be buffered.
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    let out = `id: ${this.stream}:${after}\n${openingEvent(this.stream, this.limits.heartbeatMs)}`;
    for (const kept of this.retained) out += frameEvent(this.stream, kept.n, kept.frame);
    res.write(out);
    this.res = res;
    this.sentN = this.n;
    this.waitingBytes = 0;
    res.once('close', () => this.detach(res));
    return true;
  }

  write(frames: readonly string[]): void {
    if (this.ended || frames.length === 0) return;
    const res = this.res;
    const out = res && streamSocket(res);
    let length = 0;
    for (const frame of frames) {
      const n = ++this.n;
      const kept = { n, frame, length: eventLength(this.stream, n, frame) };
      this.retained.push(kept);
      this.retainedBytes += kept.length;
      length += kept.length;
      out?.write(idField(this.stream, n));
      out?.write(dataFields.get(frame));
    }
    if (res) this.sentN = this.n;
    else this.waitingBytes += length;
    this.trim();
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.graceTimer);
    const res = this.res;
    this.res = undefined;
    this.retained.length = 0;
    if (res && !res.writableEnded) {
      res.end();
      // A client that does not read never lets end() finish; its socket must not be held forever.
      const timer = setTimeout(() => res.destroy(), this.limits.closeGraceMs);
      timer.unref();
      res.once('close', () => clearTimeout(timer));
    }
    this.gone(this);
  }

  bufferedBytes(): number {
    return this.res ? this.res.writableLength : this.waitingBytes;
  }

  /** Writes a heartbeat comment to the attached response, if any. */
  heartbeat(): void {
    if (this.res) streamSocket(this.res).write(HEARTBEAT);
  }

  /** The response went away without a goodbye: wait for the browser's own reconnect, then give up. */
  private detach(res: ServerResponse): void {
    if (this.res !== res || this.ended) return;
    this.res = undefined;
    this.graceTimer = setTimeout(() => this.close(), this.limits.graceMs);
    this.graceTimer.unref();
  }

  /** Forgets frames the client has confirmed by naming a later cursor. */
  private dropThrough(n: number): void {
    while (this.retained.length > 0 && (this.retained[0] as Retained).n <= n) {
      this.retainedBytes -= (this.retained.shift() as Retained).length;
    }
  }

  /** Keeps the replay within its bound, but never drops a frame that no response has carried yet. */
  private trim(): void {
    while (this.retainedBytes > this.limits.replayBytes && this.retained.length > 0) {
      const oldest = this.retained[0] as Retained;
      if (oldest.n > this.sentN) return;
      this.retained.shift();
      this.retainedBytes -= oldest.length;
    }
  }
}
