import type { Duplex } from 'node:stream';

/** Swallows errors of a socket nobody has claimed yet (an upgrade socket has no error listener of its own). */
function ignore(): void {}

/** Whether some listener has answered an upgrade socket, or it is gone. */
function claimed(socket: Duplex & { bytesWritten?: number }): boolean {
  return socket.destroyed || !socket.writable || (socket.bytesWritten ?? 0) > 0;
}

/**
 * Upgrade requests on paths this transport does not serve, which another listener (rawws, an embedding
 * app) may answer: one it has not answered within `graceMs` is destroyed, so it can neither hang nor hold
 * up shutdown (engine.io's `destroyUpgrade`). Looked at once per turn, after every listener ran, so that
 * the usual case (answered at once, as `/ws` is) costs no timer; the rest wait on one timer per batch.
 */
export class UnclaimedUpgrades {
  private batch: Duplex[] = [];

  constructor(private readonly graceMs: number) {}

  /** Watches an upgrade socket that this listener leaves to others. */
  watch(socket: Duplex): void {
    socket.on('error', ignore);
    if (this.batch.length === 0) setImmediate(() => this.sweep());
    this.batch.push(socket);
  }

  private sweep(): void {
    const waiting = this.batch.filter((s) => !claimed(s));
    this.batch = [];
    if (waiting.length === 0) return;
    setTimeout(() => {
      for (const socket of waiting) if (!claimed(socket)) socket.destroy();
    }, this.graceMs).unref();
  }
}
