import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Address, openWire, type Wire } from '../load/wires.js';
import type { WireKind } from '../targets.js';

/** Where the soak's server listens. */
export interface Target {
  host: string;
  port: number;
  tcpPort: number;
}

/** One parsed server frame (batches unpacked). */
type Frame = Record<string, unknown> & { type: string };

const AGENT = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });

function addressOf(kind: WireKind, t: Target): Address {
  return { host: t.host, port: t.port, tcpPort: t.tcpPort, path: kind === 'ws' ? '/ws' : '/engine.io/' };
}

/**
 * A protocol peer over one of the bench's lean wires: hello, requests by id, frames to a handler.
 * It stops at the first close; reconnecting is a new Peer.
 */
export class Peer {
  readonly wire: Wire;
  open = false;
  closed = false;
  closeReason = '';
  private nextId = 1;
  private readonly pending = new Map<number, (f: Frame) => void>();
  private readonly opened: Promise<void>;

  constructor(
    readonly kind: WireKind,
    target: Target,
    private readonly onFrame: (f: Frame, now: number) => void = () => {},
    private readonly onGone: (reason: string) => void = () => {},
  ) {
    let ready: () => void = () => {};
    let failed: (e: Error) => void = () => {};
    this.opened = new Promise((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    this.wire = openWire(
      kind,
      addressOf(kind, target),
      {
        onOpen: () => {
          this.open = true;
          ready();
        },
        onPacket: (buf, start, end, now) => this.packet(buf.toString('utf8', start, end), now),
        onClose: (reason) => {
          this.closed = true;
          this.closeReason = reason;
          failed(new Error(reason));
          for (const resolve of this.pending.values()) resolve({ type: 'closed', reason });
          this.pending.clear();
          this.onGone(reason);
        },
      },
      AGENT,
    );
  }

  /** Resolves once the wire is up (rejects if it closed first). */
  ready(): Promise<void> {
    return this.opened;
  }

  send(frame: Record<string, unknown>): void {
    if (!this.closed) this.wire.send([JSON.stringify(frame)]);
  }

  /** Sends a request and resolves with its ack or error (or `closed`). */
  request(frame: Record<string, unknown>): Promise<Frame> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (this.closed) return resolve({ type: 'closed' });
      this.pending.set(id, resolve);
      this.send({ ...frame, id });
    });
  }

  close(): void {
    this.wire.close();
  }

  private packet(text: string, now: number): void {
    if (!text.startsWith('{')) return; // the TCP greeting
    const frame = JSON.parse(text) as Frame;
    const frames = frame.type === 'batch' ? (frame.frames as Frame[]) : [frame];
    for (const f of frames) {
      if ((f.type === 'ack' || f.type === 'error') && typeof f.id === 'number') {
        const resolve = this.pending.get(f.id);
        if (resolve) {
          this.pending.delete(f.id);
          resolve(f);
          continue;
        }
      }
      this.onFrame(f, now);
    }
  }
}

/** A TCP peer that joins a room and then stops reading, so the server's buffer for it only grows. */
export function stalledPeer(target: Target, nick: string, room: string, onClose: () => void): net.Socket {
  const socket = net.connect({ host: target.host, port: target.tcpPort });
  socket.on('connect', () => {
    socket.write(
      `${JSON.stringify({ type: 'hello', nick })}\n${JSON.stringify({ type: 'join', room, id: 1 })}\n`,
    );
    // Reads the greeting and the join's answer, then never again.
    setTimeout(() => socket.pause(), 500);
  });
  // A paused socket never reads the server's FIN; a ping now and then meets the reset once it has cut us.
  const poke = setInterval(() => socket.write('{"type":"ping"}\n'), 2000);
  socket.on('error', () => {});
  socket.on('close', () => {
    clearInterval(poke);
    onClose();
  });
  return socket;
}

/** performance.now() in ms, the clock of every latency the soak measures. */
export const now = (): number => performance.now();
