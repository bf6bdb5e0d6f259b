import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { Connection } from '../../src/core/connection.js';

/** A plain RFC 6455 WebSocket as a Connection: each frame is one text message. */
export class RawWsConnection implements Connection {
  readonly transport = 'rawws';

  /** `socket` is the TCP socket under `ws`, taken from the HTTP upgrade, so writes can be corked. */
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  write(frames: readonly string[]): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    // ws writes each message as it is sent; corking the socket turns the whole list into one writev.
    this.socket.cork();
    try {
      for (const frame of frames) this.ws.send(frame);
    } finally {
      this.socket.uncork();
    }
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1000, 'Closed by the server.');
    }
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }
}
