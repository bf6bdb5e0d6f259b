/** What a ResponseReader tells its wire. */
export interface ResponseEvents {
  /**
   * A response's status line and headers are in; `closes` when it says `Connection: close` (the server
   * ends the socket after it, as it does after its last request per socket).
   */
  onHead(status: number, closes: boolean): void;
  /**
   * Body bytes [start, end) of buf, valid only during the call; `last` when they end a Content-Length
   * body (a chunked body's end is known only at its last chunk, so never there).
   */
  onBody(buf: Buffer, start: number, end: number, last: boolean): void;
  /** The response's body is complete; the socket may carry the next one. */
  onEnd(): void;
  /** The bytes are not an HTTP/1.1 response this reader follows. */
  onError(reason: string): void;
}

/** Longest status line and headers, or chunk-size line, that the reader holds while waiting for its end. */
const MAX_HEAD = 16 * 1024;

type State = 'head' | 'length' | 'rest' | 'size' | 'data' | 'data-end' | 'trailer' | 'failed';

/**
 * The load generator's HTTP/1.1 response reader for the HTTP wires (SSE and long-polling alike): it reads
 * responses one after another off a raw socket (`connectRaw`), bodies by Content-Length, chunked, or to the
 * connection's end (a `Connection: close` stream), and
 * hands body bytes on as ranges of the read buffer, with no stream machinery and no copy of the body. The
 * WebSocket wires read their frames the same way; only heads and chunk-size lines are ever copied.
 */
export class ResponseReader {
  private state: State = 'head';
  /** The head or chunk-size line so far, when a read ended inside it. */
  private partial: Buffer | undefined;
  /** Body bytes still to come: of the whole body (`length`) or of the current chunk (`data`). */
  private left = 0;

  constructor(private readonly events: ResponseEvents) {}

  /** Feeds one read. */
  push(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && this.state !== 'failed') {
      switch (this.state) {
        case 'head':
          pos = this.head(chunk, pos);
          break;
        case 'length':
        case 'data': {
          const end = Math.min(chunk.length, pos + this.left);
          this.left -= end - pos;
          this.events.onBody(chunk, pos, end, this.left === 0 && this.state === 'length');
          pos = end;
          if (this.left === 0) {
            if (this.state === 'length') this.finish();
            else this.state = 'data-end';
          }
          break;
        }
        case 'rest':
          this.events.onBody(chunk, pos, chunk.length, false);
          pos = chunk.length;
          break;
        case 'size':
        case 'data-end':
        case 'trailer':
          pos = this.line(chunk, pos);
          break;
      }
    }
  }

  /** Reads up to the blank line that ends the head; returns where the body starts (or chunk.length). */
  private head(chunk: Buffer, pos: number): number {
    const { buf, start, end, after } = this.until(chunk, pos, '\r\n\r\n');
    if (end === -1) return chunk.length;
    const head = buf.toString('latin1', start, end);
    const status = /^HTTP\/1\.[01] (\d{3}) /.exec(head);
    if (!status) return this.fail(`not an HTTP response: ${head.slice(0, 40)}`);
    const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const closes = /\r\nconnection:[^\r]*close/i.test(head);
    this.events.onHead(Number(status[1]), closes);
    if (chunked) this.state = 'size';
    else if (length && Number(length[1]) > 0) {
      this.state = 'length';
      this.left = Number(length[1]);
    } else if (length) this.finish();
    // A body that ends with its connection (an SSE stream): everything after the head is body.
    else if (closes) this.state = 'rest';
    else return this.fail('a response with neither Content-Length nor chunked, nor Connection: close');
    return after;
  }

  /** Reads one CRLF-ended line of the chunked framing (a chunk size, a chunk's end, a trailer). */
  private line(chunk: Buffer, pos: number): number {
    const { buf, start, end, after } = this.until(chunk, pos, '\r\n');
    if (end === -1) return chunk.length;
    if (this.state === 'data-end') {
      if (end !== start) return this.fail('a chunk longer than its size');
      this.state = 'size';
    } else if (this.state === 'trailer') {
      // Trailer fields, if any, until the blank line that ends the message.
      if (end === start) this.finish();
    } else {
      const size = Number.parseInt(buf.toString('latin1', start, end), 16);
      if (!Number.isFinite(size) || size < 0) return this.fail('a bad chunk size');
      if (size === 0) this.state = 'trailer';
      else {
        this.state = 'data';
        this.left = size;
      }
    }
    return after;
  }

  /**
   * Finds `terminator` in what is held from earlier reads and this read from `pos`. Returns the bytes to
   * look in (held bytes joined with the read, or the read itself), where the text before the terminator
   * spans in them, and where in the read the rest starts; `end` is -1 while the terminator has not come,
   * and the rest of the read is held (a copy: the read buffer is shared).
   */
  private until(
    chunk: Buffer,
    pos: number,
    terminator: string,
  ): { buf: Buffer; start: number; end: number; after: number } {
    const held = this.partial;
    if (!held) {
      const end = chunk.indexOf(terminator, pos, 'latin1');
      if (end !== -1) return { buf: chunk, start: pos, end, after: end + terminator.length };
      this.hold(chunk.subarray(pos));
      return { buf: chunk, start: pos, end: -1, after: chunk.length };
    }
    const buf = Buffer.concat([held, chunk.subarray(pos)]);
    // The terminator may straddle the held bytes and this read.
    const end = buf.indexOf(terminator, Math.max(0, held.length - terminator.length + 1), 'latin1');
    if (end === -1) {
      this.hold(buf);
      return { buf, start: 0, end: -1, after: chunk.length };
    }
    this.partial = undefined;
    return { buf, start: 0, end, after: pos + end + terminator.length - held.length };
  }

  /** Keeps the start of a head or line for the next read, within MAX_HEAD. */
  private hold(bytes: Buffer): void {
    if (bytes.length > MAX_HEAD) this.fail('a head or chunk-size line too long');
    else this.partial = Buffer.from(bytes);
  }

  private finish(): void {
    this.state = 'head';
    this.events.onEnd();
  }

  private fail(reason: string): number {
    this.state = 'failed';
    this.events.onError(reason);
    return Number.MAX_SAFE_INTEGER;
  }
}
