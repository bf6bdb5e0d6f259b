import type { WebSocket } from 'ws';

/**
 * Finds dead peers: every interval each socket that has not answered the previous ping is terminated, and
 * the others are pinged again. A peer is thus dropped between one and two intervals after it went silent.
 * One timer for all sockets, not one per socket.
 */
export class Heartbeat {
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.beat(), intervalMs);
    this.timer.unref();
  }

  /** Starts watching a socket until it closes. */
  watch(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('pong', () => this.waiting.delete(ws));
    ws.once('close', () => {
      this.sockets.delete(ws);
      this.waiting.delete(ws);
    });
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer);
  }

  private beat(): void {
    for (const ws of this.sockets) {
      if (this.waiting.has(ws)) {
        ws.terminate();
        continue;
      }
      this.waiting.add(ws);
      ws.ping();
    }
  }
}
