import { randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { WireKind } from '../targets.js';
import { encodeClientFrame, FrameReader, OPCODE } from '../ws-frames.js';
import { ResponseReader } from './http-responses.js';

/** What a wire tells its client. */
export interface WireEvents {
  /** The wire is ready for application packets (engine.io open, WebSocket upgraded, TCP connected). */
  onOpen(): void;
  /** One application packet: bytes [start, end) of buf, read at `now` (performance.now()). */
  onPacket(buf: Buffer, start: number, end: number, now: number): void;
  /** The wire closed; `reason` says why. Called at most once. */
  onClose(reason: string): void;
}

/** A lean load-generator connection: it carries application packets and nothing more. */
export interface Wire {
  /** Sends packets, in order, in as few writes as the wire allows. */
  send(packets: readonly string[]): void;
  close(): void;
}

/** Where a server listens. */
export interface Address {
  host: string;
  port: number;
  tcpPort?: number;
  path: string;
  /** Where the sender connects when it is on another node than the subscribers (cross-node). */
  senderPort?: number;
}

/** Opens a wire of the given kind. */
export function openWire(kind: WireKind, address: Address, events: WireEvents, agent: http.Agent): Wire {
  switch (kind) {
    case 'eio-ws':
      return new EngineWebSocketWire(address, events);
    case 'ws':
      return new PlainWebSocketWire(address, events);
    case 'eio-polling':
      return new EnginePollingWire(address, events, agent);
    case 'tcp':
      return new TcpLinesWire(address, events);
    case 'sse':
      return new SseWire(address, events, agent);
  }
}

/**
 * One read buffer for every socket of the load generator: with `onread`, Node hands each read to a
 * callback without the stream machinery, and each callback consumes (or copies) its bytes before the
 * next read, so one buffer serves all.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

/** Connects a raw TCP socket whose reads go straight to `onData` (valid only during the call). */
function connectRaw(host: string, port: number, onData: (chunk: Buffer) => void): net.Socket {
  return net.connect({
    host,
    port,
    noDelay: true,
    onread: {
      buffer: READ_BUFFER,
      callback: (nread: number, buf: Uint8Array) => {
        onData(Buffer.from(buf.buffer, buf.byteOffset, nread));
        return true;
      },
    },
  });
}

/** A raw-socket WebSocket client: an HTTP upgrade written by hand, then frames through FrameReader. */
class RawWebSocket {
  private readonly socket: net.Socket;
  private upgraded = false;
  private head = Buffer.alloc(0);
  private closed = false;
  private readonly reader: FrameReader;

  constructor(
    address: Address,
    pathAndQuery: string,
    private readonly onUpgraded: () => void,
    onText: (payload: Buffer, now: number) => void,
    private readonly onClose: (reason: string) => void,
  ) {
    let now = 0;
    this.reader = new FrameReader((opcode, payload) => {
      if (opcode === OPCODE.text || opcode === OPCODE.binary) onText(payload, now);
      else if (opcode === OPCODE.ping)
        this.socket.write(encodeClientFrame(Buffer.from(payload), OPCODE.pong));
      else if (opcode === OPCODE.close) this.end('server sent close');
    });
    this.socket = connectRaw(address.host, address.port, (chunk) => {
      now = performance.now();
      if (this.upgraded) {
        this.reader.push(chunk);
        return;
      }
      this.handshake(chunk);
    });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET ${pathAndQuery} HTTP/1.1\r\nHost: ${address.host}:${address.port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    this.socket.on('error', (error) => this.end(error.message));
    this.socket.on('close', () => this.end('socket closed'));
  }

  /** Reads the HTTP answer to the upgrade; what follows it is frames. */
  private handshake(chunk: Buffer): void {
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end === -1) return;
    const status = this.head.toString('latin1', 0, this.head.indexOf('\r\n'));
    if (!/^HTTP\/1\.1 101 /.test(status)) {
      this.end(`upgrade refused: ${status}`);
      return;
    }
    this.upgraded = true;
    const rest = this.head.subarray(end + 4);
    this.head = Buffer.alloc(0);
    this.onUpgraded();
    if (rest.length > 0) this.reader.push(rest);
  }

  /** Writes frames in one write. */
  sendTexts(texts: readonly string[]): void {
    if (this.closed) return;
    const frames = texts.map((t) => encodeClientFrame(t));
    this.socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  }

  end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.onClose(reason);
  }
}

/** engine.io v4 over WebSocket, spoken directly: `0` open, `2` ping answered by `3`, `4` messages. */
class EngineWebSocketWire implements Wire {
  private readonly ws: RawWebSocket;

  constructor(address: Address, events: WireEvents) {
    this.ws = new RawWebSocket(
      address,
      `${address.path}?EIO=4&transport=websocket`,
      () => {},
      (payload, now) => {
        const type = payload[0];
        if (type === 0x34) events.onPacket(payload, 1, payload.length, now);
        else if (type === 0x32) this.ws.sendTexts(['3']);
        else if (type === 0x30) events.onOpen();
        else if (type === 0x31) this.ws.end('engine.io close');
      },
      (reason) => events.onClose(reason),
    );
  }

  send(packets: readonly string[]): void {
    this.ws.sendTexts(packets.map((p) => `4${p}`));
  }

  close(): void {
    this.ws.end('closed by client');
  }
}

/** A plain RFC 6455 WebSocket: each text frame is one packet. */
class PlainWebSocketWire implements Wire {
  private readonly ws: RawWebSocket;

  constructor(address: Address, events: WireEvents) {
    this.ws = new RawWebSocket(
      address,
      address.path,
      () => events.onOpen(),
      (payload, now) => events.onPacket(payload, 0, payload.length, now),
      (reason) => events.onClose(reason),
    );
  }

  send(packets: readonly string[]): void {
    this.ws.sendTexts(packets);
  }

  close(): void {
    this.ws.end('closed by client');
  }
}

const RECORD_SEPARATOR = 0x1e;

/**
 * engine.io v4 long-polling: one GET always pending, at most one POST in flight (engine.io refuses
 * overlapping POSTs), packets queued meanwhile go in the next POST. The GETs go one after another on a
 * raw keep-alive socket of their own, read like the SSE stream (ResponseReader, body bytes handed on as
 * offsets); the rare POSTs use Node's http client.
 */
class EnginePollingWire implements Wire {
  private sid = '';
  private closed = false;
  private posting = false;
  private queue: string[] = [];
  private poll: net.Socket;
  private status = 0;
  /** The response being read says `Connection: close`: the next GET goes on a new socket. */
  private closes = false;
  private now = 0;
  private handshake = true;
  /** Copies of a body's earlier parts, when one body came in several reads. */
  private parts: Buffer[] = [];

  constructor(
    private readonly address: Address,
    private readonly events: WireEvents,
    private readonly agent: http.Agent,
  ) {
    this.poll = this.connect();
  }

  /** A keep-alive socket for the GETs, whose first GET goes as soon as it is connected. */
  private connect(): net.Socket {
    const reader = new ResponseReader({
      onHead: (status, closes) => {
        this.status = status;
        this.closes = closes;
      },
      onBody: (buf, start, end, last) => this.body(buf, start, end, last),
      onEnd: () => {
        if (this.status !== 200) this.end(`poll answered ${this.status}`);
        else if (this.parts.length > 0) this.body(Buffer.alloc(0), 0, 0, true);
        if (this.closed) return;
        if (!this.closes) this.get();
        else {
          // The server's last answer on this socket (it serves so many requests per socket).
          const old = this.poll;
          old.removeAllListeners('close');
          old.removeAllListeners('error');
          old.destroy();
          this.poll = this.connect();
        }
      },
      onError: (reason) => this.end(reason),
    });
    const socket = connectRaw(this.address.host, this.address.port, (chunk) => {
      this.now = performance.now();
      reader.push(chunk);
    });
    socket.on('connect', () => this.get());
    socket.on('error', (error) => this.end(error.message));
    socket.on('close', () => this.end('poll socket closed'));
    return socket;
  }

  send(packets: readonly string[]): void {
    for (const p of packets) this.queue.push(`4${p}`);
    this.post();
  }

  close(): void {
    if (this.closed) return;
    this.queue.push('1');
    this.post();
    this.end('closed by client');
  }

  private url(): string {
    const sid = this.sid ? `&sid=${this.sid}` : '';
    return `${this.address.path}?EIO=4&transport=polling${sid}`;
  }

  private get(): void {
    this.poll.write(`GET ${this.url()} HTTP/1.1\r\nHost: ${this.address.host}:${this.address.port}\r\n\r\n`);
  }

  /** A poll's body bytes: packets at once when the body came in one read, else once all of it is in. */
  private body(buf: Buffer, start: number, end: number, last: boolean): void {
    if (this.status !== 200) return;
    if (!last) {
      this.parts.push(Buffer.from(buf.subarray(start, end)));
      return;
    }
    if (this.parts.length === 0) {
      this.packets(buf, start, end);
    } else {
      const body = Buffer.concat([...this.parts, buf.subarray(start, end)]);
      this.parts = [];
      this.packets(body, 0, body.length);
    }
    this.handshake = false;
  }

  private packets(body: Buffer, from: number, to: number): void {
    let start = from;
    while (start < to && !this.closed) {
      let end = body.indexOf(RECORD_SEPARATOR, start);
      if (end === -1 || end > to) end = to;
      const type = body[start];
      if (type === 0x34) {
        this.events.onPacket(body, start + 1, end, this.now);
      } else if (type === 0x32) {
        this.queue.push('3');
        this.post();
      } else if (type === 0x30 && this.handshake) {
        const open = JSON.parse(body.toString('utf8', start + 1, end)) as { sid: string };
        this.sid = open.sid;
        this.events.onOpen();
      } else if (type === 0x31) {
        this.end('engine.io close');
      }
      start = end + 1;
    }
  }

  private post(): void {
    if (this.posting || this.queue.length === 0 || !this.sid) return;
    this.posting = true;
    const body = this.queue.join('\x1e');
    this.queue = [];
    const req = http.request(
      {
        host: this.address.host,
        port: this.address.port,
        path: this.url(),
        method: 'POST',
        agent: this.agent,
        headers: { 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          this.posting = false;
          if (res.statusCode !== 200) this.end(`post answered ${res.statusCode}`);
          else this.post();
        });
      },
    );
    req.on('error', (error) => this.end(error.message));
    req.end(body);
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.poll.destroy();
    this.events.onClose(reason);
  }
}

/** TCP lines: one JSON frame per LF-terminated line; lines that are not JSON (the greeting) pass too. */
class TcpLinesWire implements Wire {
  private readonly socket: net.Socket;
  private pending: Buffer | undefined;
  private closed = false;

  constructor(address: Address, events: WireEvents) {
    if (address.tcpPort === undefined) throw new Error('The server has no TCP port.');
    this.socket = connectRaw(address.host, address.tcpPort, (chunk) => {
      const now = performance.now();
      let buf = chunk;
      if (this.pending) {
        buf = Buffer.concat([this.pending, chunk]);
        this.pending = undefined;
      }
      let start = 0;
      for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
        if (buf[start] === 0x7b) events.onPacket(buf, start, nl, now);
        start = nl + 1;
      }
      if (start < buf.length) this.pending = Buffer.from(buf.subarray(start));
    });
    this.socket.on('connect', () => events.onOpen());
    const end = (reason: string) => {
      if (this.closed) return;
      this.closed = true;
      this.socket.destroy();
      events.onClose(reason);
    };
    this.socket.on('error', (error) => end(error.message));
    this.socket.on('close', () => end('socket closed'));
  }

  send(packets: readonly string[]): void {
    this.socket.write(`${packets.join('\n')}\n`);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** `data: `, which starts every line of an SSE event that carries a packet. */
const SSE_DATA = Buffer.from('data: ');

/**
 * Server-Sent Events (issue 11): one `GET /sse/` event stream for frames from the server, each
 * `data:` line one packet; packets to the server as `POST /sse/?stream=ID`, one frame per line, at
 * most one POST in flight. The stream is a raw socket read like the polling wire's GETs
 * (ResponseReader): lines found by LF in the body bytes, each packet handed on as offsets, never
 * decoded here; the POSTs use Node's http client.
 */
class SseWire implements Wire {
  private stream: string | undefined;
  private readonly queue: string[] = [];
  private posting = false;
  private closed = false;
  /** The start of a line that the last body bytes did not finish (a copy). */
  private pending: Buffer | undefined;
  private status = 0;
  private now = 0;
  private readonly socket: net.Socket;

  constructor(
    private readonly address: Address,
    private readonly events: WireEvents,
    private readonly agent: http.Agent,
  ) {
    const reader = new ResponseReader({
      onHead: (status) => {
        this.status = status;
        if (status !== 200) this.end(`stream refused: ${status}`);
      },
      onBody: (buf, start, end) => {
        if (this.status === 200) this.read(buf, start, end);
      },
      onEnd: () => this.end('stream ended'),
      onError: (reason) => this.end(reason),
    });
    this.socket = connectRaw(address.host, address.port, (chunk) => {
      this.now = performance.now();
      reader.push(chunk);
    });
    this.socket.on('connect', () => {
      this.socket.write(
        `GET /sse/ HTTP/1.1\r\nHost: ${address.host}:${address.port}\r\nAccept: text/event-stream\r\n\r\n`,
      );
    });
    this.socket.on('error', (error) => this.end(error.message));
    this.socket.on('close', () => this.end('stream socket closed'));
  }

  private read(chunk: Buffer, from: number, to: number): void {
    let buf = chunk;
    let start = from;
    let end = to;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk.subarray(from, to)]);
      this.pending = undefined;
      start = 0;
      end = buf.length;
    }
    for (let nl = buf.indexOf(0x0a, start); nl !== -1 && nl < end; nl = buf.indexOf(0x0a, start)) {
      const line = start;
      start = nl + 1;
      if (
        nl - line < SSE_DATA.length ||
        buf.compare(SSE_DATA, 0, SSE_DATA.length, line, line + SSE_DATA.length) !== 0
      )
        continue;
      const data = line + SSE_DATA.length;
      if (this.stream === undefined) {
        this.stream = (JSON.parse(buf.toString('utf8', data, nl)) as { stream: string }).stream;
        this.events.onOpen();
        this.flush();
        continue;
      }
      this.events.onPacket(buf, data, nl, this.now);
    }
    if (start < end) this.pending = Buffer.from(buf.subarray(start, end));
  }

  send(packets: readonly string[]): void {
    this.queue.push(...packets);
    this.flush();
  }

  private flush(): void {
    if (this.posting || this.closed || this.stream === undefined || this.queue.length === 0) return;
    const body = `${this.queue.splice(0).join('\n')}\n`;
    this.posting = true;
    const post = http.request(
      {
        host: this.address.host,
        port: this.address.port,
        method: 'POST',
        path: `/sse/?stream=${this.stream}`,
        agent: this.agent,
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          this.posting = false;
          if (res.statusCode !== 200 && res.statusCode !== 204) this.end(`post refused: ${res.statusCode}`);
          else this.flush();
        });
      },
    );
    post.on('error', (error) => this.end(error.message));
    post.end(body);
  }

  close(): void {
    this.end('closed by client');
  }

  private end(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.events.onClose(reason);
  }
}
