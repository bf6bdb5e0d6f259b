import type { Socket } from 'node:net';
import type { Connection } from '../../src/core/connection.js';
import { FrameCache } from '../frame-cache.js';

/** JSON lines of this turn, encoded once for every TCP connection they go to. */
const lines = new FrameCache((text) => Buffer.from(`${text}\n`));

/** How long a closed connection may take to flush its last lines before it is cut off. */
const CLOSE_GRACE_MS = 5000;

/** A TCP socket as a Connection: each frame is one LF-terminated line. */
export class TcpConnection implements Connection {
  readonly transport = 'tcp';
  /** Turns one encoded frame into the lines to send; JSON lines as they are until text mode takes over. */
  render: ((encoded: string) => string[]) | undefined;

  constructor(private readonly socket: Socket) {}

  write(frames: readonly string[]): void {
    if (this.render) {
      this.writeLines(frames.flatMap(this.render));
      return;
    }
    // JSON lines: a broadcast's bytes are shared by every recipient, and the list is one write.
    if (frames.length === 0 || this.socket.writableEnded || this.socket.destroyed) return;
    lines.writeAll(this.socket, frames);
  }

  /** Writes lines in one write (one system call for the whole list). */
  writeLines(lines: readonly string[]): void {
    if (lines.length === 0 || this.socket.writableEnded || this.socket.destroyed) return;
    this.socket.write(`${lines.join('\n')}\n`);
  }

  close(): void {
    if (this.socket.writableEnded || this.socket.destroyed) return;
    this.socket.end();
    // A peer that does not read never lets end() finish; its buffered lines must not be held forever.
    const timer = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS);
    timer.unref();
    this.socket.once('close', () => clearTimeout(timer));
  }

  bufferedBytes(): number {
    return this.socket.writableLength;
  }
}
