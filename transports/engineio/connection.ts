import type { Socket } from 'engine.io';
import type { Connection } from '../../src/core/connection.js';

/** A net.Socket-like object that can be corked (the one under a ws WebSocket). */
interface Corkable {
  cork(): void;
  uncork(): void;
}

/** The engine.io Socket internals this connection uses; stable across engine.io 6.x. */
interface SocketInternals {
  readyState: string;
  writeBuffer: { type: string; data?: unknown; options?: { compress?: boolean } }[];
  flush(): void;
  transport: { name: string; socket?: { bufferedAmount: number; _socket?: Corkable } };
}

/** An engine.io socket as a Connection: each frame is one engine.io message packet. */
export class EngineConnection implements Connection {
  private readonly internals: SocketInternals;

  constructor(private readonly socket: Socket) {
    this.internals = socket as unknown as SocketInternals;
  }

  get transport(): string {
    return this.socket.transport.name;
  }

  write(frames: readonly string[]): void {
    const s = this.internals;
    if (s.readyState === 'closing' || s.readyState === 'closed') return;
    // socket.send() flushes per packet; queueing all of them and flushing once hands the transport one
    // list (one polling response), and corking the TCP socket under a WebSocket makes it one write.
    for (const data of frames) s.writeBuffer.push({ type: 'message', data, options: { compress: false } });
    const raw = this.wsSocket()?._socket;
    raw?.cork();
    s.flush();
    raw?.uncork();
  }

  close(): void {
    this.socket.close();
  }

  bufferedBytes(): number {
    let bytes = 0;
    for (const packet of this.internals.writeBuffer) {
      if (typeof packet.data === 'string') bytes += packet.data.length;
    }
    return bytes + (this.wsSocket()?.bufferedAmount ?? 0);
  }

  private wsSocket() {
    const transport = this.internals.transport;
    return transport.name === 'websocket' ? transport.socket : undefined;
  }
}
