/**
 * One engine.io `message` packet as a complete, unmasked WebSocket text frame: header, the packet type
 * `4`, then the frame's JSON text, in one buffer ready for the socket.
 */
export function encodeMessageFrame(text: string): Buffer {
  const len = 1 + Buffer.byteLength(text);
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
  out[header] = 0x34;
  out.write(text, header + 1, 'utf8');
  return out;
}

/**
 * Encoded frames of the current event-loop turn, by text. A broadcast hands every member the same
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
