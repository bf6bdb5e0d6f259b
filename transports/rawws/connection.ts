import type { Socket } from 'node:net';
import type { Connection } from '../../src/core/connection.js';
import type { Session } from '../../src/core/session.js';
import { FrameCache } from '../frame-cache.js';
import type { ObservedConnection } from '../observed.js';
import { encodeTextFrame } from '../ws-frames.js';
import { type WsEvents, WsSocket } from '../ws-socket.js';
import type { Heartbeat } from './heartbeat.js';

/** Frames of this turn, shared by every raw WebSocket connection of the process. */
const frames = new FrameCache((text) => encodeTextFrame(text));

/** Where a raw WebSocket connection's frames go once its hub session is open. */
export interface RawWsHooks {
  session: Session;
  observed: ObservedConnection;
  /** Told when the connection is gone (after the session was told): the transport's set of open ones. */
  open: { gone(connection: RawWsConnection): void };
}

/** A plain RFC 6455 WebSocket as a Connection: each frame is one text message. */
export class RawWsConnection implements Connection, WsEvents {
  readonly transport = 'rawws';
  /** Whether this side started the close, so the peer's close code is only an echo of ours. */
  closedHere = false;
  readonly ws: WsSocket;
  private hooks: RawWsHooks | undefined;

  /** Takes over `raw`, the TCP socket the `101` went out on (`head`: bytes read past the request). */
  constructor(
    raw: Socket,
    head: Buffer,
    maxPayload: number,
    private readonly heartbeat: Heartbeat,
  ) {
    this.ws = new WsSocket(raw, this, { maxPayload }, head);
    heartbeat.watch(this.ws);
  }

  /** Hands frames to the hub session from now on. */
  attach(hooks: RawWsHooks): void {
    this.hooks = hooks;
  }

  write(texts: readonly string[]): void {
    if (!this.ws.open) return;
    // Straight onto the TCP socket, each frame encoded once per turn for all its recipients and the
    // whole list in one write, beside the WsSocket's own control frames, in order.
    frames.writeAll(this.ws.raw, texts);
  }

  close(): void {
    this.closedHere = true;
    this.ws.close(1000, 'Closed by the server.');
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  /** @internal */
  onMessage(data: Buffer, isBinary: boolean): void {
    this.hooks?.observed.received();
    if (isBinary) {
      this.ws.close(1003, 'Binary frames are not part of the protocol; send JSON text frames.');
      return;
    }
    this.hooks?.session.receive(data.toString());
  }

  /** @internal */
  onPong(): void {
    this.heartbeat.answered(this.ws);
  }

  /** @internal */
  onClosed(code: number): void {
    this.heartbeat.forget(this.ws);
    const hooks = this.hooks;
    if (!hooks) return;
    hooks.observed.gone();
    // A peer's own 1000 (normal closure) is a leave on purpose. Anything else may be resumed within the
    // presence grace: 1001 is also a reload, 1005 a bare close(), 1006 a dropped link or a heartbeat's cut.
    hooks.session.closed(!this.closedHere && code === 1000);
    hooks.open.gone(this);
  }
}
