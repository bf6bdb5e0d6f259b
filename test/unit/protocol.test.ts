import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../src/protocol/encode.js';
import { isValidRoom, normalizeNick } from '../../src/protocol/names.js';
import { parseFrame } from '../../src/protocol/parse.js';

describe('parseFrame', () => {
  it('accepts every request type with its fields and ignores unknown fields', () => {
    const frames = [
      {
        type: 'hello',
        v: 1,
        nick: 'a',
        ns: '/',
        caps: ['batch'],
        resume: { session: 's_x', rooms: { r: { epoch: 'e', seq: 3 } } },
      },
      { type: 'join', room: 'r', id: 1 },
      { type: 'leave', room: 'r' },
      { type: 'say', room: 'r', text: 'hi', cid: 'c1', extra: true },
      { type: 'emit', room: 'r', event: 'typing', data: [1, { a: 2 }] },
      { type: 'nick', nick: 'b' },
      { type: 'who', room: 'r' },
      { type: 'history', room: 'r', before: 10, limit: 200 },
      { type: 'ping', id: 9 },
    ];
    for (const frame of frames) expect(parseFrame(JSON.stringify(frame), 65536)).toEqual({ ok: true, frame });
  });

  it('gives stable codes and keeps the id of a bad request', () => {
    const cases: [string, string, number | undefined][] = [
      ['nope', 'bad_frame', undefined],
      ['"str"', 'bad_frame', undefined],
      ['null', 'bad_frame', undefined],
      ['{"id":3}', 'bad_frame', 3],
      ['{"type":5,"id":4}', 'bad_frame', 4],
      ['{"type":"fly","id":5}', 'unknown_type', 5],
      ['{"type":"say","room":"r","text":1,"id":6}', 'bad_frame', 6],
      [`{"type":"say","room":"r","text":"x","cid":"${'c'.repeat(65)}","id":7}`, 'bad_frame', 7],
      ['{"type":"history","room":"r","limit":201,"id":8}', 'bad_frame', 8],
      ['{"type":"join","room":"r","id":-1}', 'bad_frame', undefined],
      ['{"type":"join","room":"r","id":1.5}', 'bad_frame', undefined],
    ];
    for (const [text, code, id] of cases) {
      const result = parseFrame(text, 65536);
      expect(result.ok, text).toBe(false);
      if (!result.ok) {
        expect(result.error.code, text).toBe(code);
        expect(result.id, text).toBe(id);
      }
    }
  });

  it('measures frame size in UTF-8 bytes', () => {
    const emoji = JSON.stringify({ type: 'say', room: 'r', text: '😀'.repeat(300), id: 2 });
    expect(parseFrame(emoji, 1024)).toMatchObject({ ok: false, error: { code: 'frame_too_large' }, id: 2 });
    expect(parseFrame(emoji, 2048).ok).toBe(true);
  });
});

describe('names', () => {
  it('validates rooms and normalises nicks', () => {
    expect(isValidRoom('lobby:de_1.x-y')).toBe(true);
    expect(isValidRoom('')).toBe(false);
    expect(isValidRoom('a b')).toBe(false);
    expect(isValidRoom('x'.repeat(65))).toBe(false);
    expect(normalizeNick('  alice ')).toBe('alice');
    expect(normalizeNick('a\nb')).toBeUndefined();
    expect(normalizeNick('x'.repeat(33))).toBeUndefined();
    expect(normalizeNick('😀'.repeat(32))).toBe('😀'.repeat(32));
  });
});

describe('encodeBatch', () => {
  it('packs encoded frames without re-encoding them', () => {
    const packed = encodeBatch(['{"type":"ping"}', '{"type":"ack","id":1}']);
    expect(JSON.parse(packed)).toEqual({ type: 'batch', frames: [{ type: 'ping' }, { type: 'ack', id: 1 }] });
  });
});
