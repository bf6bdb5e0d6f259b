import type { Connection } from '../src/core/connection.js';
import type { Observer } from '../src/ports/observer.js';

/** How an encoded `bye` frame starts (encode writes `type` then `code` first), and where its code begins. */
const BYE_PREFIX = '{"type":"bye","code":"';

/**
 * A transport's Connection as the Observer sees it: opened when made, frames out counted on every write,
 * and closed (once) with the reason the server gave. The hub says why it closes a connection only in its
 * last frame, so the `bye` code is read off that frame rather than widening the Connection port.
 */
export class ObservedConnection implements Connection {
  private current: string;
  private closeReason: string | undefined;
  private reported = false;

  constructor(
    /** The transport's own connection (tests reach through it to the socket). */
    readonly inner: Connection,
    private readonly observer: Observer,
  ) {
    this.current = inner.transport;
    observer.connectionOpened(this.current);
  }

  get transport(): string {
    return this.inner.transport;
  }

  write(frames: readonly string[]): void {
    const count = frames.length;
    if (count === 0) return;
    this.observer.framesOut(this.current, count);
    const last = frames[count - 1] as string;
    if (last.startsWith(BYE_PREFIX)) {
      this.closeReason = last.slice(BYE_PREFIX.length, last.indexOf('"', BYE_PREFIX.length));
    }
    this.inner.write(frames);
  }

  close(): void {
    this.closeReason ??= 'server';
    this.inner.close();
  }

  bufferedBytes(): number {
    return this.inner.bufferedBytes();
  }

  /** The transport read `count` frames from the wire for the hub. */
  received(count = 1): void {
    this.observer.framesIn(this.current, count);
  }

  /** The session moved to another transport of the same connection (an engine.io upgrade). */
  changed(to: string): void {
    if (to === this.current) return;
    this.observer.transportChanged(this.current, to);
    this.current = to;
  }

  /** The wire is gone; reported once, with the bye code, `server`, or `peer` when the client went. */
  gone(): void {
    if (this.reported) return;
    this.reported = true;
    this.observer.connectionClosed(this.current, this.closeReason ?? 'peer');
  }
}
