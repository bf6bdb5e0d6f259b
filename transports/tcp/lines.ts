import { isUtf8 } from 'node:buffer';

/** What the splitter found in the byte stream. */
export type LineEvent =
  | { kind: 'line'; text: string }
  /** A line longer than the limit; its bytes up to the next LF are discarded. */
  | { kind: 'too_long' }
  /** A line that is not valid UTF-8. */
  | { kind: 'invalid_utf8' };

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits a byte stream into LF-terminated UTF-8 lines, dropping a trailing CR. A line may hold at most
 * `maxBytes` bytes (its CR not counted); a longer one is reported once, as soon as it crosses the limit,
 * and the rest of it is skipped without being buffered. Pure: no sockets, no timers.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly emit: (event: LineEvent) => void,
  ) {}

  /** True while a line has started and not ended (bytes are held or being skipped). */
  get pending(): boolean {
    return this.size > 0 || this.discarding;
  }

  /** Feeds the next chunk of bytes. */
  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(LF, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!this.discarding) this.take(chunk, start, end, nl !== -1);
      if (nl === -1) return;
      if (this.discarding) this.discarding = false;
      else this.finish(chunk.subarray(start, end));
      start = nl + 1;
    }
  }

  private take(chunk: Buffer, start: number, end: number, complete: boolean): void {
    // One byte of slack for the CR of a CRLF line, which is dropped and not counted.
    if (this.size + (end - start) > this.maxBytes + 1) {
      this.parts = [];
      this.size = 0;
      this.discarding = true;
      this.emit({ kind: 'too_long' });
      return;
    }
    // A partial line is copied so it does not pin the whole chunk; a complete one is read in place.
    if (!complete && end > start) {
      this.parts.push(Buffer.from(chunk.subarray(start, end)));
      this.size += end - start;
    }
  }

  private finish(tail: Buffer): void {
    let line = this.parts.length === 0 ? tail : Buffer.concat([...this.parts, tail]);
    this.parts = [];
    this.size = 0;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxBytes) {
      this.emit({ kind: 'too_long' });
      return;
    }
    this.emit(isUtf8(line) ? { kind: 'line', text: line.toString('utf8') } : { kind: 'invalid_utf8' });
  }
}
