/** RFC 6455 opcodes the bench client uses. */
export const OPCODE = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Called for each complete frame: the payload is a view into the read buffer, valid only during the call. */
export type FrameHandler = (opcode: number, payload: Buffer) => void;

/**
 * A lean client-side reader of unmasked server frames. It never copies a payload that arrived whole in
 * one chunk, so a chunk of many small frames costs one pass. Fragmented messages are reassembled.
 */
export class FrameReader {
  private pending: Buffer | undefined;
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;

  constructor(private readonly onFrame: FrameHandler) {}

  /** Feeds bytes read from the socket. */
  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let pos = 0;
    while (buf.length - pos >= 2) {
      const b0 = buf[pos] as number;
      const b1 = buf[pos + 1] as number;
      let len = b1 & 0x7f;
      let header = 2;
      if (len === 126) {
        if (buf.length - pos < 4) break;
        len = buf.readUInt16BE(pos + 2);
        header = 4;
      } else if (len === 127) {
        if (buf.length - pos < 10) break;
        len = buf.readUInt32BE(pos + 2) * 2 ** 32 + buf.readUInt32BE(pos + 6);
        header = 10;
      }
      const masked = (b1 & 0x80) !== 0;
      if (masked) header += 4;
      if (buf.length - pos < header + len) break;
      let payload = buf.subarray(pos + header, pos + header + len);
      if (masked) payload = unmask(payload, buf.subarray(pos + header - 4, pos + header));
      pos += header + len;
      this.frame((b0 & 0x80) !== 0, b0 & 0x0f, payload);
    }
    if (pos < buf.length) this.pending = Buffer.from(buf.subarray(pos));
  }

  private frame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 8) {
      this.onFrame(opcode, payload);
      return;
    }
    if (opcode !== OPCODE.continuation) {
      if (fin) {
        this.onFrame(opcode, payload);
        return;
      }
      this.fragmentOpcode = opcode;
      this.fragments = [Buffer.from(payload)];
      return;
    }
    this.fragments.push(Buffer.from(payload));
    if (fin) {
      const whole = Buffer.concat(this.fragments);
      this.fragments = [];
      this.onFrame(this.fragmentOpcode, whole);
    }
  }
}

function unmask(payload: Buffer, key: Buffer): Buffer {
  const out = Buffer.allocUnsafe(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = (payload[i] as number) ^ (key[i & 3] as number);
  return out;
}

/**
 * Encodes one frame. A client frame (`masked`) carries an all-zero key: a valid key that leaves the
 * payload as it is, so sending costs no XOR pass.
 */
export function encodeFrame(data: string | Buffer, opcode: number, masked: boolean): Buffer {
  const payload = typeof data === 'string' ? Buffer.from(data) : data;
  const len = payload.length;
  const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const key = masked ? 4 : 0;
  const out = Buffer.allocUnsafe(header + key + len);
  const maskBit = masked ? 0x80 : 0;
  out[0] = 0x80 | opcode;
  if (len < 126) {
    out[1] = maskBit | len;
  } else if (len < 65536) {
    out[1] = maskBit | 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = maskBit | 127;
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
  if (masked) out.writeUInt32BE(0, header);
  payload.copy(out, header + key);
  return out;
}

/** Encodes one client-to-server frame. */
export function encodeClientFrame(data: string | Buffer, opcode: number = OPCODE.text): Buffer {
  return encodeFrame(data, opcode, true);
}

/** Encodes one server-to-client frame. */
export function encodeServerFrame(data: string | Buffer, opcode: number = OPCODE.text): Buffer {
  return encodeFrame(data, opcode, false);
}
