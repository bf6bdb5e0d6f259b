import { describe, expect, it } from 'vitest';
import { FrameCache } from '../../transports/frame-cache.js';
import { encodeMessageFrame, encodeTextFrame } from '../../transports/ws-frames.js';

/** Decodes one unmasked WebSocket frame: FIN+opcode, payload length and payload text. */
function decode(frame: Buffer): { first: number; text: string } {
  let len = (frame[1] as number) & 0x7f;
  let offset = 2;
  if (len === 126) {
    len = frame.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    len = Number(frame.readBigUInt64BE(2));
    offset = 10;
  }
  expect((frame[1] as number) & 0x80).toBe(0);
  expect(frame.length).toBe(offset + len);
  return { first: frame[0] as number, text: frame.toString('utf8', offset) };
}

describe('pre-encoded WebSocket frames', () => {
  it('encodes a plain text frame with no prefix', () => {
    expect(decode(encodeTextFrame('{"type":"welcome"}'))).toEqual({
      first: 0x81,
      text: '{"type":"welcome"}',
    });
  });

  it('encodes a message packet as one final unmasked text frame for every length class', () => {
    for (const size of [0, 10, 124, 125, 200, 65534, 70_000]) {
      const text = `{"t":"${'é'.repeat(Math.floor(size / 2))}"}`;
      const { first, text: payload } = decode(encodeMessageFrame(text));
      expect(first).toBe(0x81);
      expect(payload).toBe(`4${text}`);
    }
  });

  it('encodes each text once per turn and forgets it at the next', () => {
    let encoded = 0;
    const later: (() => void)[] = [];
    const cache = new FrameCache(
      (text) => {
        encoded++;
        return encodeMessageFrame(text);
      },
      (fn) => later.push(fn),
    );
    const first = cache.get('{"a":1}');
    expect(cache.get('{"a":1}')).toBe(first);
    cache.get('{"b":2}');
    expect(encoded).toBe(2);
    expect(later).toHaveLength(1);
    later.shift()?.();
    expect(cache.get('{"a":1}')).not.toBe(first);
    expect(encoded).toBe(3);
  });
});
