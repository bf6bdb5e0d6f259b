import { describe, expect, it } from 'vitest';
import { FrameReader, type FrameSink } from '../../transports/ws-reader.js';
import { closePayload, wsFrame } from '../helpers/raw-ws.js';

/** Everything a reader told its sink, in order, as short strings. */
function record(maxPayload = 1024, maxFragments?: number): { reader: FrameReader; events: string[] } {
  const events: string[] = [];
  const sink: FrameSink = {
    onText: (data) => events.push(`text ${data.toString()}`),
    onBinary: (data) => events.push(`binary ${data.toString('hex')}`),
    onPing: (data) => events.push(`ping ${data.toString()}`),
    onPong: (data) => events.push(`pong ${data.toString()}`),
    onClose: (code, reason) => events.push(`close ${code} ${reason}`),
    onFail: (code) => events.push(`fail ${code}`),
  };
  return { reader: new FrameReader(sink, { maxPayload, ...(maxFragments ? { maxFragments } : {}) }), events };
}

describe('FrameReader', () => {
  it('reads text, binary, ping and pong frames, and reads the same whatever the bytes were split into', () => {
    const bytes = Buffer.concat([
      wsFrame(0x81, 'hello'),
      wsFrame(0x82, Buffer.from([1, 2, 3])),
      wsFrame(0x89, 'are you there'),
      wsFrame(0x8a, 'yes'),
      wsFrame(0x81, 'x'.repeat(300)),
      wsFrame(0x81, ''),
    ]);
    // Payloads are unmasked in place: each reader gets its own copy.
    const whole = record();
    whole.reader.push(Buffer.from(bytes));
    expect(whole.events).toEqual([
      'text hello',
      'binary 010203',
      'ping are you there',
      'pong yes',
      `text ${'x'.repeat(300)}`,
      'text ',
    ]);
    for (const size of [1, 2, 3, 7, 64]) {
      const split = record();
      const copy = Buffer.from(bytes);
      for (let at = 0; at < bytes.length; at += size) split.reader.push(copy.subarray(at, at + size));
      expect(split.events, `chunks of ${size}`).toEqual(whole.events);
    }
  });

  it('reassembles a fragmented message, with control frames between its fragments', () => {
    const { reader, events } = record();
    const euro = Buffer.from('€'); // three bytes, split across two fragments
    reader.push(
      Buffer.concat([
        wsFrame(0x01, Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)])),
        wsFrame(0x89, 'mid'),
        wsFrame(0x00, euro.subarray(1)),
        wsFrame(0x80, '5'),
      ]),
    );
    expect(events).toEqual(['ping mid', 'text price €5']);
  });

  it('reads a 16-bit length and a 64-bit length', () => {
    const { reader, events } = record(100_000);
    reader.push(Buffer.concat([wsFrame(0x81, 'a'.repeat(70_000)), wsFrame(0x81, 'b'.repeat(200))]));
    expect(events).toEqual([`text ${'a'.repeat(70_000)}`, `text ${'b'.repeat(200)}`]);
  });

  it('reports a close frame with its code and reason, an empty one as 1005, and reads nothing after it', () => {
    const a = record();
    a.reader.push(Buffer.concat([wsFrame(0x88, closePayload(4001, 'bye now')), wsFrame(0x81, 'late')]));
    expect(a.events).toEqual(['close 4001 bye now']);
    expect(a.reader.done).toBe(true);
    const b = record();
    b.reader.push(wsFrame(0x88, ''));
    expect(b.events).toEqual(['close 1005 ']);
  });

  const breaches: [string, Buffer, number][] = [
    ['an unmasked frame', wsFrame(0x81, 'hi', false), 1002],
    ['reserved bits', wsFrame(0xc1, 'hi'), 1002],
    ['opcode 0x3', wsFrame(0x83, 'hi'), 1002],
    ['opcode 0xb', wsFrame(0x8b, ''), 1002],
    ['a continuation with nothing to continue', wsFrame(0x80, 'hi'), 1002],
    ['a new message inside a fragmented one', Buffer.concat([wsFrame(0x01, 'a'), wsFrame(0x81, 'b')]), 1002],
    ['a fragmented ping', wsFrame(0x09, 'p'), 1002],
    ['a ping over 125 bytes', wsFrame(0x89, 'p'.repeat(126)), 1002],
    ['a one-byte close', wsFrame(0x88, Buffer.from([3])), 1002],
    ['close code 1005', wsFrame(0x88, closePayload(1005)), 1002],
    ['close code 2000', wsFrame(0x88, closePayload(2000)), 1002],
    ['a close reason not in UTF-8', wsFrame(0x88, closePayload(1000, Buffer.from([0xff]))), 1007],
    ['text not in UTF-8', wsFrame(0x81, Buffer.from([0x34, 0xc3, 0x28])), 1007],
    ['text cut inside a character', wsFrame(0x81, Buffer.from('€').subarray(0, 2)), 1007],
    ['a message over the limit', wsFrame(0x81, 'x'.repeat(1025)), 1009],
    [
      'fragments over the limit together',
      Buffer.concat([wsFrame(0x01, 'x'.repeat(600)), wsFrame(0x80, 'x'.repeat(600))]),
      1009,
    ],
  ];
  for (const [name, bytes, code] of breaches) {
    it(`fails ${name} with ${code}, and reads nothing after it`, () => {
      const { reader, events } = record();
      reader.push(Buffer.concat([bytes, wsFrame(0x81, 'after')]));
      expect(events).toEqual([`fail ${code}`]);
      expect(reader.done).toBe(true);
    });
  }

  it('fails a declared length past 2^53 at its header, before any payload', () => {
    const { reader, events } = record();
    const head = Buffer.from([0x81, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]);
    head.writeBigUInt64BE(2n ** 62n, 2);
    reader.push(head);
    expect(events).toEqual(['fail 1009']);
  });

  it('fails a message over the limit at its header, without waiting for its payload', () => {
    const { reader, events } = record();
    reader.push(wsFrame(0x81, 'x'.repeat(5000)).subarray(0, 8));
    expect(events).toEqual(['fail 1009']);
  });

  it('fails a message of more fragments than allowed with 1008', () => {
    const { reader, events } = record(1024, 100);
    const frames = [wsFrame(0x01, '')];
    for (let i = 0; i < 100; i++) frames.push(wsFrame(0x00, ''));
    reader.push(Buffer.concat(frames));
    expect(events).toEqual(['fail 1008']);
  });

  it('holds a half frame as its own copy, not as a view into the read that brought it', () => {
    const { reader, events } = record();
    const read = Buffer.alloc(64 * 1024);
    const frame = wsFrame(0x81, 'pinned?');
    frame.copy(read);
    reader.push(read.subarray(0, 5));
    read.fill(0);
    reader.push(frame.subarray(5));
    expect(events).toEqual(['text pinned?']);
  });
});
