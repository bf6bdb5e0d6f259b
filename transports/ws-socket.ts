import type { Socket } from 'node:net';
import { DeadlineQueue } from '../src/server/deadlines.js';
import { encodeCloseFrame, encodeControlFrame } from './ws-frames.js';
import { FrameReader, type FrameSink, type ReaderLimits } from './ws-reader.js';

/** What a server-side WebSocket tells its owner. */
export interface WsEvents {
  /** A whole message; `data` may be a view into a read buffer, so read it now. */
  onMessage(data: Buffer, isBinary: boolean): void;
  /** The peer answered a ping. */
  onPong?(): void;
  /** The peer broke the protocol (`code` is what it was closed with); `onClosed` follows when the TCP close does. */
  onFailed?(code: number): void;
  /**
   * The TCP connection is gone, once: the peer's close code (1005 for a close without one), the code it
   * was closed with for breaking the protocol, or 1006 for no close at all.
   */
  onClosed(code: number): void;
}

/** `ws`'s bound on pongs owed to a peer that does not read: past it, a ping flood is cut, not queued. */
const MAX_PENDING_PONGS = 60;

/** How long a closing connection may wait for the peer's close before it is cut (`ws`'s closeTimeout). */
const CLOSE_TIMEOUT_MS = 30_000;

/** Closing connections waiting for their peer, on one timer for all. */
const closing = new DeadlineQueue<Socket>(CLOSE_TIMEOUT_MS);

/** Where a TCP socket's WebSocket is, for listeners shared by every connection instead of closures each. */
const OWNER = Symbol('wsSocket');
type Owned = Socket & { [OWNER]?: WsSocket };

function onData(this: Owned, chunk: Buffer): void {
  this[OWNER]?.read(chunk);
}
function onEnd(this: Owned): void {
  // The peer half-closed without a close frame: the close handshake will not come.
  this.end();
}
function onClose(this: Owned): void {
  closing.delete(this);
  this[OWNER]?.gone();
}
function onError(this: Owned): void {
  this.destroy();
}

/** The empty ping every heartbeat sends. */
const PING = encodeControlFrame(0x9, Buffer.alloc(0));

/**
 * The server side of an RFC 6455 connection over its TCP socket, after the `101`: frames read by a
 * FrameReader, pings answered, the close handshake done, protocol errors closed with their code. Frames
 * out are the owner's to write on `raw` (pre-encoded, one write per turn); this class writes only control
 * frames. In place of `ws`'s WebSocket, whose objects (a Receiver and a Sender stream, their listeners)
 * cost 7-9% of a connect's server CPU in the bench, and each idle connection about 1 KB.
 */
export class WsSocket implements FrameSink {
  private readonly reader: FrameReader;
  /** A close frame went out: nothing else may follow it. */
  private closeSent = false;
  /** The peer's close code, once its close frame came. */
  private peerCode: number | undefined;
  private pendingPongs = 0;
  private ended = false;

  /** Takes over `raw` (after the `101` was written); `head` holds bytes read past the upgrade request. */
  constructor(
    readonly raw: Socket,
    private readonly events: WsEvents,
    limits: ReaderLimits,
    head?: Buffer,
  ) {
    this.reader = new FrameReader(this, limits);
    const owned = raw as Owned;
    owned[OWNER] = this;
    raw.setTimeout(0);
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('close', onClose);
    raw.on('error', onError);
    // Bytes that came with the request are read as the socket's own would be: after this call returns.
    if (head && head.length > 0) process.nextTick(() => this.read(head));
  }

  /** Whether messages may still be sent: the socket is up and no close frame went out. */
  get open(): boolean {
    return !this.closeSent && !this.ended && this.raw.writable;
  }

  /** Bytes written and not yet taken by the kernel. */
  get bufferedAmount(): number {
    return this.raw.writableLength;
  }

  /** Sends an empty ping (a heartbeat's). */
  ping(): void {
    if (this.open) this.raw.write(PING);
  }

  /** Starts the close handshake with `code` and `reason` (none: an empty close frame). */
  close(code?: number, reason?: string): void {
    if (this.closeSent || this.ended) return;
    this.sendClose(code, reason);
  }

  /** Cuts the connection now, without a close handshake. */
  terminate(): void {
    this.raw.destroy();
  }

  /** @internal Bytes from the socket. */
  read(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  /** @internal The socket closed. */
  gone(): void {
    if (this.ended) return;
    this.ended = true;
    (this.raw as Owned)[OWNER] = undefined;
    this.events.onClosed(this.peerCode ?? 1006);
  }

  /** @internal */
  onText(data: Buffer): void {
    if (!this.closeSent) this.events.onMessage(data, false);
  }

  /** @internal */
  onBinary(data: Buffer): void {
    if (!this.closeSent) this.events.onMessage(data, true);
  }

  /** @internal A ping is answered with its payload, unless the peer is not reading its answers. */
  onPing(payload: Buffer): void {
    if (this.closeSent || this.ended) return;
    if (this.pendingPongs >= MAX_PENDING_PONGS) {
      // A peer that floods pings and reads none of the answers: cut, as `ws` does.
      this.raw.destroy();
      return;
    }
    this.pendingPongs++;
    this.raw.write(encodeControlFrame(0xa, payload), () => {
      this.pendingPongs--;
    });
  }

  /** @internal */
  onPong(): void {
    this.events.onPong?.();
  }

  /** @internal The peer's close frame. */
  onClose(code: number): void {
    this.peerCode = code;
    // The answer echoes the peer's code (an empty close when it gave none); then the TCP close is ours.
    if (!this.closeSent) this.sendClose(code === 1005 ? undefined : code);
  }

  /** @internal The peer broke the protocol: closed with the code owed, which the close reports (as `ws`'s). */
  onFail(code: number): void {
    this.peerCode = code;
    if (!this.closeSent) this.sendClose(code);
    this.events.onFailed?.(code);
  }

  private sendClose(code: number | undefined, reason?: string): void {
    this.closeSent = true;
    if (!this.raw.writable) {
      this.raw.destroy();
      return;
    }
    this.raw.end(encodeCloseFrame(code, reason));
    closing.add(this.raw, () => this.raw.destroy());
  }
}
