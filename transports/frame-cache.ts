import type { Writable } from 'node:stream';

/**
 * Encoded frames of the current event-loop turn, by text (one cache per encoding). A broadcast hands
 * every member the same string, so it is encoded once and the same bytes go to every socket; the
 * cache empties itself at the next turn, so it holds no more than one turn's frames.
 */
export class FrameCache {
  private frames = new Map<string, Buffer>();
  private clearing = false;

  constructor(
    private readonly encode: (text: string) => Buffer,
    private readonly later: (fn: () => void) => void = setImmediate,
  ) {}

  /** Writes the frames of `texts` to `socket` in order, as one write (corked when there are several). */
  writeAll(socket: Writable, texts: readonly string[]): void {
    if (texts.length === 1) {
      socket.write(this.get(texts[0] as string));
      return;
    }
    socket.cork();
    try {
      for (const text of texts) socket.write(this.get(text));
    } finally {
      socket.uncork();
    }
  }

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
