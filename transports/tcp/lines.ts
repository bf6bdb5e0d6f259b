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
/** The first capacity of a partial line's buffer; it doubles from here, up to the line limit. */
const INITIAL_CAPACITY = 256;

/**
 * Splits a byte stream into LF-terminated UTF-8 lines, dropping a trailing CR. A line may hold at most
 * `maxBytes` bytes (its CR not counted); a longer one is reported once, as soon as it crosses the limit,
 * and the rest of it is skipped without being buffered. Pure: no sockets, no timers.
 *
 * A partial line is held in one buffer that doubles as it fills (capped at the limit), so a peer that
 * sends a line a byte at a time costs at most about twice the line's bytes, not an object per chunk.
 */
export class LineSplitter {
  /** The partial line's bytes are `held[0, size)`; allocated only when a line spans chunks. */
  private held: Buffer | undefined;
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

  /** Bytes allocated to hold the partial line now (its buffer's capacity; 0 when none is held). */
  get heldBytes(): number {
    return this.held?.length ?? 0;
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
      this.held = undefined;
      this.size = 0;
      this.discarding = true;
      this.emit({ kind: 'too_long' });
      return;
    }
    // A partial line is copied so it does not pin the whole chunk; a complete one is read in place.
    if (!complete && end > start) this.append(chunk, start, end);
  }

  private append(chunk: Buffer, start: number, end: number): void {
    const needed = this.size + (end - start);
    if (this.held === undefined || this.held.length < needed) {
      let capacity = this.held?.length ?? INITIAL_CAPACITY;
      while (capacity < needed) capacity *= 2;
      // Unpooled: a pooled slice would pin a shared 8 KiB slab for as long as the line stays unfinished.
      const grown = Buffer.allocUnsafeSlow(Math.min(capacity, this.maxBytes + 1));
      this.held?.copy(grown, 0, 0, this.size);
      this.held = grown;
    }
    chunk.copy(this.held, this.size, start, end);
    this.size = needed;
  }

  private finish(tail: Buffer): void {
    let line = tail;
    if (this.size > 0) {
      this.append(tail, 0, tail.length);
      line = (this.held as Buffer).subarray(0, this.size);
    }
    // Dropped, not kept for reuse: an idle connection holds no buffer at all.
    this.held = undefined;
    this.size = 0;
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    if (line.length > this.maxBytes) {
      this.emit({ kind: 'too_long' });
      return;
    }
    this.emit(isUtf8(line) ? { kind: 'line', text: line.toString('utf8') } : { kind: 'invalid_utf8' });
  }
}
