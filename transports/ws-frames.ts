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

/**
 * Encoded frames of the current event-loop turn, by text (one cache per encoding). A broadcast hands every member the same
 * string, so it is framed once and the same bytes go to every socket; the cache empties itself at the
 * next turn, so it holds no more than one turn's frames.
 */
export class FrameCache {
  private frames = new Map<string, Buffer>();
  private clearing = false;

  constructor(
    private readonly encode: (text: string) => Buffer,
    private readonly later: (fn: () => void) => void = setImmediate,
  ) {}

  /** The encoded frame for `text`. */
  get(text: string): Buffer {
    let frame = this.frames.get(text);
    if (frame === undefined) {
      frame = this.encode(text);
      this.frames.set(text, frame);
      if (!this.clearing) {
        this.clearing = true;
        this.later(() => {
          this.clearing = false;
          this.frames = new Map();
        });
      }
    }
    return frame;
  }
}
