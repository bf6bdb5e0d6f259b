import { isUtf8 } from 'node:buffer';

/** What the reader makes of a client's bytes (RFC 6455, server side, no extensions). */
export interface FrameSink {
  /** A whole text message, its UTF-8 checked. */
  onText(data: Buffer): void;
  /** A whole binary message. */
  onBinary(data: Buffer): void;
  onPing(payload: Buffer): void;
  onPong(payload: Buffer): void;
  /** The peer's close frame: its code (1005 when it gave none) and reason. Nothing is read after it. */
  onClose(code: number, reason: string): void;
  /** The peer broke the protocol: the close code owed to it (1002, 1007, 1008, 1009). Nothing is read after it. */
  onFail(code: number, message: string): void;
}

/** Limits of one connection's reader. */
export interface ReaderLimits {
  /** The largest message, all its fragments together, in bytes. */
  maxPayload: number;
  /** The most fragments of one message (`ws`'s default: 16,384), so empty ones cannot be sent forever. */
  maxFragments?: number;
}

/** Where the reader is: before a frame's header, inside its payload, or finished for good. */
type State = 'header' | 'payload' | 'done';

/** RFC 6455 7.4.1: the codes a close frame may carry. */
function validCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** `b` itself when it owns its memory, else a copy that does (a view would keep its whole buffer alive). */
function ownCopy(b: Buffer): Buffer {
  if (b.byteLength === b.buffer.byteLength) return b;
  const copy = Buffer.allocUnsafeSlow(b.length);
  b.copy(copy);
  return copy;
}

/** XORs `data` in place with the 32-bit masking key (RFC 6455 5.3). */
function unmask(data: Buffer, mask: number): void {
  const m = [mask >>> 24, (mask >>> 16) & 0xff, (mask >>> 8) & 0xff, mask & 0xff] as const;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) ^ (m[i & 3] as number);
}

/**
 * Reads the frames a WebSocket client sends (masked, RFC 6455 5.2) from the bytes as they arrive, in any
 * split: reassembles fragmented messages, checks text is UTF-8, and hands control frames on as they come
 * (between fragments too). Any breach of the protocol ends reading with the close code owed to the peer.
 * Pure: bytes in, calls on the sink out.
 */
export class FrameReader {
  private state: State = 'header';
  /** Bytes received and not consumed yet; copies, so a partial frame does not pin a whole socket read. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  // The frame being read.
  private fin = false;
  private opcode = 0;
  private length = 0;
  /** The frame's masking key, as one 32-bit number (big-endian). */
  private mask = 0;
  /** The message being reassembled: its opcode (0 when none), fragments, their count and bytes. */
  private messageOpcode = 0;
  private fragments: Buffer[] = [];
  private fragmentCount = 0;
  private messageBytes = 0;
  private readonly maxFragments: number;

  constructor(
    private readonly sink: FrameSink,
    private readonly limits: ReaderLimits,
  ) {
    this.maxFragments = limits.maxFragments ?? 16 * 1024;
  }

  /** Whether reading has ended (the peer closed, or broke the protocol). */
  get done(): boolean {
    return this.state === 'done';
  }

  /** Reads `chunk`, calling the sink for every frame it completes; `chunk` is the reader's now (unmasked in place). */
  push(chunk: Buffer): void {
    if (this.state === 'done' || chunk.length === 0) return;
    this.held.push(chunk);
    this.heldBytes += chunk.length;
    while (!this.done && (this.state === 'header' ? this.header() : this.payload()));
    if (this.done) {
      this.held = [];
      this.heldBytes = 0;
      return;
    }
    // What stays is part of one frame. Only the first held chunk (what is left of an older one) and the
    // newest can be views into a larger read buffer: copied, so an idle peer's half frame pins no more
    // than itself. The ones between were copied by earlier pushes: each byte is copied at most twice.
    const last = this.held.length - 1;
    if (last >= 0) this.held[0] = ownCopy(this.held[0] as Buffer);
    if (last > 0) this.held[last] = ownCopy(this.held[last] as Buffer);
  }

  /** Reads a frame header when all of it is here; false when more bytes are needed. */
  private header(): boolean {
    if (this.heldBytes < 2) return false;
    const head = this.peek(Math.min(this.heldBytes, 14));
    const b0 = head[0] as number;
    const b1 = head[1] as number;
    const len7 = b1 & 0x7f;
    const size = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4;
    if ((b0 & 0x70) !== 0) return this.failWith(1002, 'RSV bits must be clear: no extension was negotiated');
    if ((b1 & 0x80) === 0) return this.failWith(1002, 'Client frames must be masked');
    if (this.heldBytes < size) return false;
    const fin = (b0 & 0x80) !== 0;
    const opcode = b0 & 0x0f;
    let length = len7;
    if (len7 === 126) length = head.readUInt16BE(2);
    else if (len7 === 127) {
      const high = head.readUInt32BE(2);
      // Past 2^53 a length is not even a safe integer; it is over any limit anyway.
      if (high > 0x1fffff) return this.failWith(1009, 'Message too big');
      length = high * 2 ** 32 + head.readUInt32BE(6);
    }
    if (opcode >= 0x8) {
      if (opcode > 0xa) return this.failWith(1002, `Invalid opcode ${opcode}`);
      if (!fin) return this.failWith(1002, 'Control frames must not be fragmented');
      if (length > 125) return this.failWith(1002, 'Control frame payloads are at most 125 bytes');
    } else if (opcode === 0x0) {
      if (this.messageOpcode === 0)
        return this.failWith(1002, 'A continuation frame with no message to continue');
      if (++this.fragmentCount > this.maxFragments) return this.failWith(1008, 'Too many message fragments');
    } else if (opcode === 0x1 || opcode === 0x2) {
      if (this.messageOpcode !== 0) return this.failWith(1002, 'A new message inside a fragmented one');
      this.fragmentCount = 1;
    } else {
      return this.failWith(1002, `Invalid opcode ${opcode}`);
    }
    if (opcode < 0x8 && this.messageBytes + length > this.limits.maxPayload) {
      return this.failWith(1009, 'Message too big');
    }
    this.mask = head.readUInt32BE(size - 4);
    this.take(size);
    this.fin = fin;
    this.opcode = opcode;
    this.length = length;
    this.state = 'payload';
    return true;
  }

  /** Reads the payload of the current frame when all of it is here; false when more bytes are needed. */
  private payload(): boolean {
    if (this.heldBytes < this.length) return false;
    const data = this.length === 0 ? Buffer.alloc(0) : this.take(this.length);
    unmask(data, this.mask);
    this.state = 'header';
    if (this.opcode >= 0x8) this.control(data);
    else this.data(data);
    return true;
  }

  private control(data: Buffer): void {
    if (this.opcode === 0x9) this.sink.onPing(data);
    else if (this.opcode === 0xa) this.sink.onPong(data);
    else if (data.length === 0) this.closeWith(1005, '');
    else if (data.length === 1) this.failWith(1002, 'A close frame with a one-byte payload');
    else {
      const code = data.readUInt16BE(0);
      const reason = data.subarray(2);
      if (!validCloseCode(code)) this.failWith(1002, `Invalid close code ${code}`);
      else if (!isUtf8(reason)) this.failWith(1007, 'The close reason is not valid UTF-8');
      else this.closeWith(code, reason.toString('utf8'));
    }
  }

  private data(data: Buffer): void {
    if (this.opcode !== 0x0) this.messageOpcode = this.opcode;
    this.messageBytes += data.length;
    if (!this.fin) {
      this.fragments.push(data);
      return;
    }
    const message =
      this.fragments.length === 0 ? data : Buffer.concat([...this.fragments, data], this.messageBytes);
    const opcode = this.messageOpcode;
    this.messageOpcode = 0;
    this.messageBytes = 0;
    this.fragments = [];
    if (opcode === 0x2) this.sink.onBinary(message);
    else if (!isUtf8(message)) this.failWith(1007, 'Text frames must be valid UTF-8');
    else this.sink.onText(message);
  }

  private closeWith(code: number, reason: string): void {
    this.state = 'done';
    this.sink.onClose(code, reason);
  }

  private failWith(code: number, message: string): false {
    this.state = 'done';
    this.fragments = [];
    this.sink.onFail(code, message);
    return false;
  }

  /** The first `n` held bytes, contiguous (n ≤ heldBytes), without consuming them. */
  private peek(n: number): Buffer {
    const first = this.held[0] as Buffer;
    if (first.length >= n) return first;
    const merged = Buffer.concat(this.held, this.heldBytes);
    this.held = [merged];
    return merged;
  }

  /** Consumes the first `n` held bytes (n ≤ heldBytes). */
  private take(n: number): Buffer {
    const first = this.held[0] as Buffer;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.held.shift();
      else this.held[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      while (at < n) {
        const chunk = this.held[0] as Buffer;
        const part = Math.min(chunk.length, n - at);
        chunk.copy(out, at, 0, part);
        at += part;
        if (part === chunk.length) this.held.shift();
        else this.held[0] = chunk.subarray(part);
      }
    }
    this.heldBytes -= n;
    return out;
  }
}
