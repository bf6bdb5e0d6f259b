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
