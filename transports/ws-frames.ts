/**
 * A complete, unmasked WebSocket text frame holding `prefix` and then `text` (a one-character prefix:
 * engine.io's packet type), in one buffer ready for the socket.
 */
export function encodeTextFrame(text: string, prefix = ''): Buffer {
  const len = prefix.length + Buffer.byteLength(text);
  const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(header + len);
  out[0] = 0x81;
  if (len < 126) {
    out[1] = len;
  } else if (len < 65536) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(len / 2 ** 32), 2);
    out.writeUInt32BE(len >>> 0, 6);
  }
  if (prefix) out.write(prefix, header, 'latin1');
  out.write(text, header + prefix.length, 'utf8');
  return out;
}

/** One engine.io `message` packet (`4` and the JSON text) as a WebSocket text frame. */
export function encodeMessageFrame(text: string): Buffer {
  return encodeTextFrame(text, '4');
}

/** A control frame (RFC 6455 5.5) from the server: unmasked, at most 125 bytes of payload. */
export function encodeControlFrame(opcode: number, payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(2 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = payload.length;
  payload.copy(frame, 2);
  return frame;
}

/** A close frame with `code` (none: an empty close) and `reason`. */
export function encodeCloseFrame(code: number | undefined, reason = ''): Buffer {
  if (code === undefined) return encodeControlFrame(0x8, Buffer.alloc(0));
  const payload = Buffer.allocUnsafe(2 + Buffer.byteLength(reason));
  payload.writeUInt16BE(code, 0);
  payload.write(reason, 2, 'utf8');
  return encodeControlFrame(0x8, payload.subarray(0, 125));
}
