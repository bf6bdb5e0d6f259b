import type { Socket as NetSocket } from 'node:net';
import type { Socket } from 'engine.io';
import type { Connection } from '../../src/core/connection.js';
import { FrameCache } from '../frame-cache.js';
import { encodeMessageFrame } from '../ws-frames.js';

/** The ws WebSocket under engine.io's websocket transport, as far as this connection uses it. */
interface WsInternals {
  readyState: number;
  bufferedAmount: number;
  _socket?: NetSocket;
}

/** The engine.io Socket internals this connection uses; stable across engine.io 6.x. */
interface SocketInternals {
  readyState: string;
  writeBuffer: { type: string; data?: unknown; options?: { compress?: boolean } }[];
  flush(): void;
  transport: { name: string; socket?: WsInternals; req?: { socket?: NetSocket } | null };
}

/** ws's readyState for an open connection. */
const WS_OPEN = 1;

/** Frames of this turn, shared by every engine.io WebSocket connection of the process. */
export const engineFrames = new FrameCache(encodeMessageFrame);

/** An engine.io socket as a Connection: each frame is one engine.io message packet. */
export class EngineConnection implements Connection {
  private readonly internals: SocketInternals;

  /**
   * Sockets of polling responses this session wrote whose bytes the peer may not have read yet; only a
   * session that began on polling has any (an upgrade goes from polling to WebSocket, never back).
   */
  private readonly pollSockets: Set<NetSocket> | undefined;

  constructor(private readonly socket: Socket) {
    this.internals = socket as unknown as SocketInternals;
    if (socket.transport.name !== 'polling') return;
    const pollSockets = new Set<NetSocket>();
    this.pollSockets = pollSockets;
    // engine.io flushes into the poll that is pending at that moment: note its socket, whose unread bytes
    // are this session's as much as those still queued, or a peer that never reads its polls is unbounded.
    socket.on('flush', () => {
      const pollSocket = this.internals.transport.req?.socket;
      if (pollSocket) pollSockets.add(pollSocket);
    });
  }

  get transport(): string {
    return this.socket.transport.name;
  }

  write(texts: readonly string[]): void {
    const s = this.internals;
    if (s.readyState === 'closing' || s.readyState === 'closed') return;
    const ws = this.wsSocket();
    const raw = ws?._socket;
    if (ws && raw && ws.readyState === WS_OPEN && s.writeBuffer.length === 0) {
      // Straight onto the TCP socket, each frame encoded once per turn for all its recipients and the
      // whole list in one write. Safe beside ws's own writes: without compression ws writes at once, in
      // order, and engine.io has nothing queued (else the frames wait behind it, below).
      engineFrames.writeAll(raw, texts);
      return;
    }
    // Polling, an upgrade in progress, or packets engine.io still holds: its own path, one flush (one
    // polling response) for the whole list.
    for (const data of texts) s.writeBuffer.push({ type: 'message', data, options: { compress: false } });
    s.flush();
  }

  close(): void {
    this.socket.close();
  }

  bufferedBytes(): number {
    let bytes = 0;
    for (const packet of this.internals.writeBuffer) {
      if (typeof packet.data === 'string') bytes += packet.data.length;
    }
    for (const pollSocket of this.pollSockets ?? []) {
      if (pollSocket.destroyed || pollSocket.writableLength === 0) this.pollSockets?.delete(pollSocket);
      else bytes += pollSocket.writableLength;
    }
    return bytes + (this.wsSocket()?.bufferedAmount ?? 0);
  }

  private wsSocket(): WsInternals | undefined {
    const transport = this.internals.transport;
    return transport.name === 'websocket' ? transport.socket : undefined;
  }
}
