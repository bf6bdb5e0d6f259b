import { describe, expect, it } from 'vitest';
import { ResponseReader } from '../../bench/load/http-responses.js';

/** Feeds `reads` to a reader; returns what it reported, body bytes joined per response. */
function read(reads: Buffer[]) {
  const log: string[] = [];
  let body = '';
  const reader = new ResponseReader({
    onHead: (status, closes) => log.push(`head ${status}${closes ? ' close' : ''}`),
    onBody: (buf, start, end) => {
      body += buf.toString('utf8', start, end);
    },
    onEnd: () => {
      log.push(`body ${body}`);
      body = '';
    },
    onError: (reason) => log.push(`error ${reason}`),
  });
  for (const r of reads) {
    // The load generator's read buffer is shared: a reader must not keep a read's bytes after the call.
    const shared = Buffer.from(r);
    reader.push(shared);
    shared.fill(0x21);
  }
  return { log, pending: body };
}

/** Every way to cut `bytes` in two reads, and one read per byte. */
function cuts(bytes: Buffer): Buffer[][] {
  const out: Buffer[][] = [[bytes]];
  for (let i = 1; i < bytes.length; i++) out.push([bytes.subarray(0, i), bytes.subarray(i)]);
  out.push([...bytes].map((b) => Buffer.from([b])));
  return out;
}

describe('bench HTTP response reader', () => {
  it('reads keep-alive responses by Content-Length and chunked, however the reads cut them', () => {
    const wire = Buffer.from(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello' +
        'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\nA;x=1\r\n0123456789\r\n0\r\nx-t: 1\r\n\r\n' +
        'HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n' +
        'HTTP/1.1 404 Not Found\r\ncontent-length: 2\r\nConnection: close\r\n\r\n{}',
    );
    for (const reads of cuts(wire)) {
      expect(read(reads).log).toEqual([
        'head 200',
        'body hello',
        'head 200',
        'body abc0123456789',
        'head 204',
        'body ',
        'head 404 close',
        'body {}',
      ]);
    }
  });

  it('hands on a stream that never ends as it comes, and refuses what is not HTTP/1.1 framing', () => {
    const stream = Buffer.from(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nid: 1\n\r\n7\r\ndata: x\r\n',
    );
    for (const reads of cuts(stream)) {
      const { log, pending } = read(reads);
      expect(log).toEqual(['head 200']);
      expect(pending).toBe('id: 1\ndata: x');
    }
    // A stream delimited by its connection's end (Switchboard's SSE): all that follows the head is body.
    const closing = Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nid: 1\ndata: x\n\r\n0\r\n');
    for (const reads of cuts(closing)) {
      const { log, pending } = read(reads);
      expect(log).toEqual(['head 200 close']);
      expect(pending).toBe('id: 1\ndata: x\n\r\n0\r\n');
    }
    expect(read([Buffer.from('SSH-2.0-x\r\n\r\n')]).log[0]).toMatch(/^error not an HTTP response/);
    expect(read([Buffer.from('HTTP/1.1 200 OK\r\n\r\nrest')]).log).toEqual([
      'head 200',
      'error a response with neither Content-Length nor chunked, nor Connection: close',
    ]);
    expect(
      read([Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n')]).log,
    ).toEqual(['head 200', 'error a chunk longer than its size']);
    expect(read([Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'y'.repeat(20_000)}`)]).log).toEqual([
      'error a head or chunk-size line too long',
    ]);
  });
});
