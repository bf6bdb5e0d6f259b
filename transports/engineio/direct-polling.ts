import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket as NetSocket } from 'node:net';
import type { Connection } from '../../src/core/connection.js';
import { readBody } from '../sse/http.js';
import { type DirectEvents, DirectSocket, type EngineHeartbeat } from './direct.js';

/** engine.io v4's separator of the packets of one polling payload. */
const SEPARATOR = '\x1e';

/** The headers of every poll answer (the CORS ones are on the response already): engine.io's own. */
const POLL_HEADERS = { 'Content-Type': 'text/plain; charset=UTF-8', 'cache-control': 'no-store' };

/** engine.io's answer to a POST it took. */
const POST_HEADERS = { 'Content-Type': 'text/html', 'Content-Length': '2', 'cache-control': 'no-store' };

/** engine.io's `{ code, message }` answer to a request it refuses (`Server.errors`). */
export function answerEngineError(res: ServerResponse, code: number, message: string): void {
  const body = JSON.stringify({ code, message });
  res.writeHead(code === 4 ? 403 : 400, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The last list of texts made into a polling payload, and that payload: members of one broadcast share both. */
let memoTexts: readonly string[] | undefined;
let memoPayload = '';

/** `4text␞4text…`: the texts as one polling payload of engine.io message packets, once per list. */
function messagePayload(texts: readonly string[]): string {
  if (texts !== memoTexts) {
    memoTexts = texts;
    memoPayload = `4${texts.join(`${SEPARATOR}4`)}`;
  }
  return memoPayload;
}

/**
 * An engine.io v4 session that began on long-polling, served without engine.io's Socket and Transport: the
 * pending GET is answered with everything queued (one payload per turn), POSTs are read and decoded, the
 * heartbeat's pings travel in the polls, and an upgrade to WebSocket (`2probe`/`3probe`, a `6` to free the
 * pending poll, `5`) moves the session onto a DirectSocket. The wire is engine.io's: its clients cannot tell.
 */
export class PollingSession implements Connection {
  /** `polling`, then `websocket` once an upgrade completed. */
  transport = 'polling';
  private state: 'open' | 'closing' | 'closed' = 'open';
  /** Encoded packets waiting for a poll. */
  private queue: string[] = [];
  private queuedBytes = 0;
  /** The pending GET's answer, if a poll is waiting. */
  private poll: ServerResponse | undefined;
  /** A POST is being read (engine.io allows one at a time). */
  private posting = false;
  /** Sockets of answered polls whose bytes the peer may not have read yet. */
  private pollSockets: Set<NetSocket> | undefined;
  private waiting = false;
  private refreshed = false;
  /** The WebSocket an upgrade is probing, then the one that carries the session. */
  private ws: DirectSocket | undefined;
  private upgraded = false;
  /** A probe was answered: polls are freed at once with a `noop` until the upgrade completes. */
  private freePolls = false;
  private readonly ping = () => this.sendPing();
  private readonly pongMissed = () => this.end(this.state === 'closing' ? 'forced close' : 'ping timeout');
  private readonly pollClosed = () => this.end('transport error');

  constructor(
    readonly sid: string,
    private readonly heartbeat: EngineHeartbeat,
    private readonly events: DirectEvents & { upgraded(): void },
    private readonly maxBody: number,
  ) {
    heartbeat.pings.add(this, this.ping);
  }

  /** Queues the `open` packet, which the handshake's own GET then carries. */
  open(upgrades: string[], maxPayload: number): void {
    const { pingIntervalMs, pingTimeoutMs } = this.heartbeat.times;
    const open = {
      sid: this.sid,
      upgrades,
      pingInterval: pingIntervalMs,
      pingTimeout: pingTimeoutMs,
      maxPayload,
    };
    this.enqueue(`0${JSON.stringify(open)}`);
  }

  /** Whether the session moved to WebSocket: its polling requests are then refused. */
  get upgradedAway(): boolean {
    return this.upgraded;
  }

  /** A GET of this session: answered at once when something is queued, else held until there is. */
  onPoll(res: ServerResponse): void {
    if (this.poll) {
      // engine.io: a second pending GET is the client's error; the session ends.
      res.writeHead(400);
      res.end();
      this.end('transport error');
      return;
    }
    this.poll = res;
    res.once('close', this.pollClosed);
    if (this.queue.length > 0) this.flush();
    else if (this.freePolls) this.enqueue('6');
  }

  /** A POST of this session: its payload decoded packet by packet, answered `ok`. */
  onData(req: IncomingMessage, res: ServerResponse): void {
    if (this.posting || req.headers['content-type'] === 'application/octet-stream') {
      res.writeHead(400);
      res.end();
      this.end('transport error');
      return;
    }
    this.posting = true;
    void readBody(req, this.maxBody).then((body) => {
      this.posting = false;
      if (!body.ok) {
        // engine.io answers an over-large POST 413 and keeps the session; an aborted one ends it.
        if (body.reason === 'aborted') this.end('transport error');
        else if (!res.headersSent) {
          res.writeHead(body.reason === 'too_large' ? 413 : 400, { Connection: 'close' });
          res.end();
        }
        return;
      }
      res.writeHead(200, POST_HEADERS);
      res.end('ok');
      for (const packet of body.text.split(SEPARATOR)) {
        if (this.state === 'closed') return;
        this.packet(packet);
      }
    });
  }

  /** Whether an upgrade may begin: the session is open, on polling, and probing no other WebSocket. */
  get upgradable(): boolean {
    return this.state === 'open' && !this.ws && !this.upgraded;
  }

  /** An upgrade's WebSocket for this session (its `101` written on `raw`): probed, then, at `5`, the session's. */
  onUpgrade(raw: NetSocket, head: Buffer, maxPayload: number): void {
    const probe = new DirectSocket(
      raw,
      head,
      maxPayload,
      this.heartbeat,
      {
        message: (text) => this.events.message(text),
        binary: () => this.events.binary(),
        closed: (reason) => {
          // A probe that fails leaves the session on polling, as engine.io's does.
          if (this.upgraded) this.end(reason);
          else if (this.ws === probe) {
            this.ws = undefined;
            this.freePolls = false;
          }
        },
        // engine.io-client pauses polling after its probe: a pending GET is freed with a `noop`.
        probed: () => {
          this.freePolls = true;
          if (this.poll) this.enqueue('6');
        },
        upgraded: () => this.completeUpgrade(probe),
      },
      true,
    );
    this.ws = probe;
    // engine.io's upgradeTimeout: a probe not completed within the ping timeout is closed.
    this.heartbeat.pongs.add(probe, () => probe.close());
  }

  write(texts: readonly string[]): void {
    if (this.state !== 'open') return;
    if (this.upgraded) {
      this.ws?.write(texts);
      return;
    }
    if (this.queue.length === 0 && this.poll) {
      this.answer(messagePayload(texts));
      return;
    }
    for (const text of texts) this.enqueue(`4${text}`);
  }

  /** Closes as engine.io's `socket.close()` does: what is queued, then a `close` packet, on the next poll. */
  close(): void {
    if (this.state !== 'open') return;
    if (this.upgraded) {
      this.ws?.close();
      return;
    }
    this.state = 'closing';
    this.queue.push('1');
    if (this.poll) {
      this.flush();
      return;
    }
    // No poll comes within the ping timeout: the session ends anyway.
    this.heartbeat.pings.delete(this);
    this.heartbeat.pongs.add(this, this.pongMissed);
  }

  /** Ends the session now, answering a pending poll with `close` (a shutdown after its drain). */
  terminate(): void {
    if (this.upgraded) this.ws?.close();
    else this.end('forced close');
  }

  bufferedBytes(): number {
    if (this.upgraded) return this.ws?.bufferedBytes() ?? 0;
    let bytes = this.queuedBytes;
    for (const socket of this.pollSockets ?? []) {
      if (socket.destroyed || socket.writableLength === 0) this.pollSockets?.delete(socket);
      else bytes += socket.writableLength;
    }
    return bytes;
  }

  private enqueue(packet: string): void {
    this.queue.push(packet);
    this.queuedBytes += packet.length;
    if (this.poll) this.flush();
  }

  private flush(): void {
    const payload = this.queue.length === 1 ? (this.queue[0] as string) : this.queue.join(SEPARATOR);
    this.queue = [];
    this.queuedBytes = 0;
    this.answer(payload);
    if (this.state === 'closing') this.end('forced close');
  }

  /** Answers the pending poll with `payload`, noting its socket while its bytes may be unread. */
  private answer(payload: string): void {
    const res = this.poll as ServerResponse;
    this.poll = undefined;
    res.off('close', this.pollClosed);
    res.writeHead(200, { ...POLL_HEADERS, 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
    const socket = res.socket;
    if (socket && socket.writableLength > 0) {
      this.pollSockets ??= new Set();
      this.pollSockets.add(socket);
    }
  }

  /** One decoded packet of a POST, as engine.io's Socket takes it. */
  private packet(packet: string): void {
    const type = packet.charCodeAt(0);
    if (this.waiting && type !== 0x33 && !this.refreshed) {
      this.refreshed = true;
      this.heartbeat.pongs.add(this, this.pongMissed);
    }
    switch (packet[0]) {
      case '4':
        if (packet.length > 1) this.events.message(packet.slice(1));
        else this.events.binary();
        return;
      case 'b':
        this.events.binary();
        return;
      case '3':
        if (!this.waiting) return;
        this.waiting = false;
        this.heartbeat.pongs.delete(this);
        this.heartbeat.pings.add(this, this.ping);
        return;
      case '1':
        this.end('transport close');
        return;
      case '2':
        // In v4 only the server pings.
        this.end('transport error');
        return;
      case '0':
      case '5':
      case '6':
        return;
      default:
        this.end('parse error');
    }
  }

  private sendPing(): void {
    if (this.state !== 'open') return;
    this.waiting = true;
    this.refreshed = false;
    this.enqueue('2');
    this.heartbeat.pongs.add(this, this.pongMissed);
  }

  /** The client sent `5` on the probe: polling is done, and what it still held goes over the WebSocket. */
  private completeUpgrade(ws: DirectSocket): void {
    this.upgraded = true;
    this.transport = 'websocket';
    this.heartbeat.pings.delete(this);
    this.heartbeat.pongs.delete(this);
    this.waiting = false;
    if (this.poll) this.answer('6');
    const held = this.queue.filter((packet) => packet !== '2');
    this.queue = [];
    this.queuedBytes = 0;
    this.pollSockets = undefined;
    ws.writePackets(held);
    this.events.upgraded();
  }

  /** Ends the session once: a pending poll gets `close`, the probe is closed, timers dropped, then told. */
  private end(reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.heartbeat.pings.delete(this);
    this.heartbeat.pongs.delete(this);
    if (this.poll) this.answer('1');
    this.queue = [];
    this.queuedBytes = 0;
    if (!this.upgraded) this.ws?.close();
    this.events.closed(reason);
  }
}
