import { describe, expect, it } from 'vitest';
import { readIndex, scanDeliveries } from '../../bench/load/client.js';
import { encodeClientFrame, encodeServerFrame, FrameReader, OPCODE } from '../../bench/ws-frames.js';

function collect() {
  const frames: [number, string][] = [];
  const reader = new FrameReader((opcode, payload) => frames.push([opcode, payload.toString()]));
  return { frames, reader };
}

describe('bench WebSocket frame reader', () => {
  it('reads frames of every length class, however the bytes are split', () => {
    const texts = ['a', 'b'.repeat(200), 'c'.repeat(70_000), '{"x":1}'];
    const bytes = Buffer.concat(texts.map((t) => encodeServerFrame(t)));
    for (const step of [1, 3, 7, 1000, bytes.length]) {
      const { frames, reader } = collect();
      for (let i = 0; i < bytes.length; i += step) reader.push(bytes.subarray(i, i + step));
      expect(frames).toEqual(texts.map((t) => [OPCODE.text, t]));
    }
  });

  it('reassembles fragments and passes control frames between them', () => {
    const { frames, reader } = collect();
    const first = encodeServerFrame('hel');
    first[0] = OPCODE.text; // FIN clear
    const last = encodeServerFrame('lo', OPCODE.continuation);
    reader.push(Buffer.concat([first, encodeServerFrame('p', OPCODE.ping), last]));
    expect(frames).toEqual([
      [OPCODE.ping, 'p'],
      [OPCODE.text, 'hello'],
    ]);
  });

  it('reads masked frames, and a client frame carries a mask bit and a zero key', () => {
    const frame = encodeClientFrame('hi there');
    expect((frame[1] as number) & 0x80).toBe(0x80);
    expect(frame.readUInt32BE(2)).toBe(0);
    const { frames, reader } = collect();
    reader.push(frame);
    expect(frames).toEqual([[OPCODE.text, 'hi there']]);
  });
});

describe('bench delivery scanning', () => {
  it('finds every bench message and its index, and nothing past the end', () => {
    const body = Buffer.from(
      '{"type":"batch","frames":[{"type":"message","text":"m12 xx"},{"type":"message","text":"m7 y"}]}' +
        '\x1e{"type":"message","text":"m99 z"}',
    );
    const end = body.indexOf(0x1e);
    const seen: number[] = [];
    expect(scanDeliveries(body, 0, end, (i) => seen.push(i))).toBe(2);
    expect(seen).toEqual([12, 7]);
    expect(scanDeliveries(Buffer.from('{"type":"presence"}'), 0, 19, () => {})).toBe(0);
    // Only the key `text` itself: a key that merely ends in it is not a message's text.
    const context = Buffer.from('{"context":"m5","text":"m6 x"}');
    const found: number[] = [];
    expect(scanDeliveries(context, 0, context.length, (i) => found.push(i))).toBe(1);
    expect(found).toEqual([6]);
    // A marker that starts at the very first byte of the range counts; one cut by its end does not.
    const edge = Buffer.from('"text":"m3 x"');
    expect(scanDeliveries(edge, 0, edge.length, () => {})).toBe(1);
    expect(scanDeliveries(edge, 0, 5, () => {})).toBe(0);
    expect(readIndex(Buffer.from('4031x'), 0)).toBe(4031);
  });
});
