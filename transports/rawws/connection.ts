import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Connection } from '../../src/core/connection.js';
import { FrameCache } from '../frame-cache.js';
import { encodeTextFrame } from '../ws-frames.js';

/** Frames of this turn, shared by every raw WebSocket connection of the process. */
const frames = new FrameCache((text) => encodeTextFrame(text));

/** A plain RFC 6455 WebSocket as a Connection: each frame is one text message. */
export class RawWsConnection implements Connection {
  readonly transport = 'rawws';
  /** Whether this side started the close, so the peer's close code is only an echo of ours. */
  closedHere = false;

  /** `socket` is the TCP socket under `ws`, taken from the HTTP upgrade, so writes can be corked. */
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  write(texts: readonly string[]): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // Straight onto the TCP socket, each frame encoded once per turn for all its recipients and the
    // whole list in one write. Safe beside ws's own writes (pings, close): without compression ws
    // writes at once and in order.
    frames.writeAll(this.socket, texts);
  }

  close(): void {
    this.closedHere = true;
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000, 'Closed by the server.');
    }
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }
}
