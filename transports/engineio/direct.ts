import type { Socket as NetSocket } from 'node:net';
import type { Connection } from '../../src/core/connection.js';
import { DeadlineQueue } from '../../src/server/deadlines.js';
import { FrameCache } from '../frame-cache.js';
import { encodeMessageFrame, encodeTextFrame } from '../ws-frames.js';
import { type WsEvents, WsSocket } from '../ws-socket.js';

/** What a direct session tells the transport: its messages, what the wire could not carry, its end. */
export interface DirectEvents {
  /** One engine.io `message` packet's text. */
  message(text: string): void;
  /** A message packet that is not text (binary, or base64 `b`). */
  binary(): void;
  /** The session is over, for whatever reason (engine.io's close reasons). */
  closed(reason: string): void;
  /** A probing socket (an upgrade from polling) answered the client's `2probe`. */
  probed?(): void;
  /** A probing socket got the client's `5` (upgrade): from now on it carries the session. */
  upgraded?(): void;
}

/** engine.io's heartbeat settings, as its `open` packet announces them. */
export interface HeartbeatTimes {
  pingIntervalMs: number;
  pingTimeoutMs: number;
}

/** Frames of this turn, shared by every engine.io WebSocket session of the process. */
const engineFrames = new FrameCache(encodeMessageFrame);

/** An engine.io `ping` packet as a WebSocket text frame, the same bytes for every socket. */
const PING_FRAME = encodeTextFrame('2');
/** The answer to an upgrade's probe. */
const PROBE_FRAME = encodeTextFrame('3probe');

/** engine.io v4 packet types (engine.io-parser) as the first character code of a text frame. */
const PACKET = { open: 0x30, close: 0x31, ping: 0x32, pong: 0x33, message: 0x34, upgrade: 0x35, noop: 0x36 };
/** The first character of a base64 binary message. */
const BASE64 = 0x62;

/**
 * engine.io's v4 heartbeat for every direct session on two timers: each session is pinged `pingIntervalMs`
 * after it opened or last answered, and closed with `ping timeout` when no pong follows within
 * `pingTimeoutMs` (extended once when other packets arrive meanwhile), as engine.io's Socket does with
 * two timers of its own per session.
 */
export class EngineHeartbeat {
  readonly pings: DeadlineQueue<object>;
  readonly pongs: DeadlineQueue<object>;

  constructor(readonly times: HeartbeatTimes) {
    this.pings = new DeadlineQueue(times.pingIntervalMs);
    this.pongs = new DeadlineQueue(times.pingTimeoutMs);
  }

  /** Stops both timers. */
  stop(): void {
    this.pings.clear();
    this.pongs.clear();
  }
}

/**
 * An engine.io session over WebSocket, engine.io v4 spoken over a WsSocket directly, without engine.io's
 * Socket and Transport objects or `ws`'s: one that began on WebSocket (`?EIO=4&transport=websocket`, no
 * sid), or the socket a PollingSession's upgrade probes (`probing`) and then moves onto. Over WebSocket
 * what engine.io adds is only framing (`open`, `ping`/`pong`, `message`) and the heartbeat; the wire is
 * the same to the client.
 */
export class DirectSocket implements Connection, WsEvents {
  readonly transport = 'websocket';
  private readonly ws: WsSocket;
  private done = false;
  /** An upgrade from polling not completed yet: only `2probe` and `5` are allowed, and no heartbeat runs. */
  private probing: boolean;
  /** Waiting for a pong; `refreshed` once the wait was extended for another packet. */
  private waiting = false;
  private refreshed = false;
  private readonly ping = () => this.sendPing();
  private readonly pongMissed = () => this.end('ping timeout');

  /**
   * Takes over `raw`, the TCP socket the `101` went out on (`head`: bytes read past the request), so
   * frames go out in one write each turn (tests reach it too).
   */
  constructor(
    readonly raw: NetSocket,
    head: Buffer,
    maxPayload: number,
    private readonly heartbeat: EngineHeartbeat,
    private readonly events: DirectEvents,
    probing = false,
  ) {
    this.probing = probing;
    this.ws = new WsSocket(raw, this, { maxPayload }, head);
    if (!probing) heartbeat.pings.add(this, this.ping);
  }

  /** @internal A message from the WebSocket. */
  onMessage(data: Buffer, isBinary: boolean): void {
    this.packet(data, isBinary);
  }

  /** @internal The WebSocket closed the peer for a protocol error (1009 past maxPayload, 1007, 1002): engine.io ends the session at the error. */
  onFailed(): void {
    this.end('transport error');
  }

  /** @internal */
  onClosed(): void {
    this.end('transport close');
  }

  /** Writes the `open` packet (the first frame of the session). */
  open(sid: string, maxPayload: number): void {
    const { pingIntervalMs, pingTimeoutMs } = this.heartbeat.times;
    const open = { sid, upgrades: [], pingInterval: pingIntervalMs, pingTimeout: pingTimeoutMs, maxPayload };
    this.raw.write(encodeTextFrame(JSON.stringify(open), '0'));
  }

  /** Writes engine.io packets as they are (`4…`, `1`), one frame each: what a polling session held at its upgrade. */
  writePackets(packets: readonly string[]): void {
    if (this.done || !this.ws.open || packets.length === 0) return;
    this.raw.write(Buffer.concat(packets.map((packet) => encodeTextFrame(packet))));
  }

  write(texts: readonly string[]): void {
    if (this.done || this.probing || !this.ws.open) return;
    // Straight onto the TCP socket, each frame encoded once per turn for all its recipients; the WsSocket's
    // own writes (pongs, close) go the same way, in order.
    engineFrames.writeAll(this.raw, texts);
  }

  /** Closes as engine.io's `socket.close()` does: the WebSocket close handshake, and the session ends now. */
  close(): void {
    this.end('forced close');
  }

  /** Ends the session now, at a shutdown's end: for a WebSocket that is its close. */
  terminate(): void {
    this.close();
  }

  bufferedBytes(): number {
    return this.ws.bufferedAmount;
  }

  private packet(data: Buffer, isBinary: boolean): void {
    if (this.done) return;
    if (this.probing) {
      this.probe(data, isBinary);
      return;
    }
    const type = isBinary ? PACKET.message : data.length === 0 ? -1 : (data[0] as number);
    // engine.io extends the wait for a pong once when other packets arrive meanwhile (a busy link).
    if (this.waiting && type !== PACKET.pong && !this.refreshed) {
      this.refreshed = true;
      this.heartbeat.pongs.add(this, this.pongMissed);
    }
    if (isBinary || type === BASE64) {
      this.events.binary();
      return;
    }
    switch (type) {
      case PACKET.message:
        // `4` alone carries no data: engine.io hands that on as a message without a string.
        if (data.length > 1) this.events.message(data.toString('utf8', 1));
        else this.events.binary();
        return;
      case PACKET.pong:
        if (!this.waiting) return;
        this.waiting = false;
        this.heartbeat.pongs.delete(this);
        this.heartbeat.pings.add(this, this.ping);
        return;
      case PACKET.ping:
        // In v4 only the server pings.
        this.end('transport error');
        return;
      case PACKET.open:
      case PACKET.close:
      case PACKET.upgrade:
      case PACKET.noop:
        // engine.io's Socket ignores these on an open WebSocket session.
        return;
      default:
        this.end('parse error');
    }
  }

  /** engine.io's upgrade: `2probe` is answered `3probe`, `5` completes it, anything else fails it. */
  private probe(data: Buffer, isBinary: boolean): void {
    if (!isBinary && data.length === 6 && data.toString('latin1') === '2probe') {
      this.raw.write(PROBE_FRAME);
      this.events.probed?.();
    } else if (!isBinary && data.length === 1 && data[0] === PACKET.upgrade) {
      this.probing = false;
      this.heartbeat.pongs.delete(this);
      this.heartbeat.pings.add(this, this.ping);
      this.events.upgraded?.();
    } else {
      this.end('transport error');
    }
  }

  private sendPing(): void {
    if (this.done) return;
    this.waiting = true;
    this.refreshed = false;
    this.raw.write(PING_FRAME);
    this.heartbeat.pongs.add(this, this.pongMissed);
  }

  /** Ends the session once: timers dropped, the WebSocket closed (engine.io sends no code), then told. */
  private end(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.heartbeat.pings.delete(this);
    this.heartbeat.pongs.delete(this);
    this.ws.close();
    this.events.closed(reason);
  }
}
