import { describe, expect, it } from 'vitest';
import { Outbox, PackMemo } from '../../src/core/outbox.js';

function box(frames: string[]): Outbox {
  const o = new Outbox();
  for (const f of frames) o.push(f);
  return o;
}

describe('Outbox packing with a PackMemo', () => {
  it('hands members with the same frames the very same packed list, built once', () => {
    const broadcast = ['{"type":"message","seq":1}', '{"type":"message","seq":2}'];
    const memo = new PackMemo();
    const a = box(broadcast).drain(true, 65536, memo);
    const b = box([...broadcast]).drain(true, 65536, memo);
    expect(a).toEqual(['{"type":"batch","frames":[{"type":"message","seq":1},{"type":"message","seq":2}]}']);
    expect(b).toBe(a);
  });

  it('packs a member with other frames on its own, and the same frames under another bound anew', () => {
    const memo = new PackMemo();
    const a = box(['{"a":1}', '{"b":2}']).drain(true, 65536, memo);
    const other = box(['{"a":1}', '{"c":3}']).drain(true, 65536, memo);
    expect(other).not.toBe(a);
    expect(other).toEqual(['{"type":"batch","frames":[{"a":1},{"c":3}]}']);
    const small = box(['{"a":1}', '{"c":3}']).drain(true, 10, memo);
    expect(small).toEqual(['{"a":1}', '{"c":3}']);
  });

  it('leaves frames unpacked for a client without batch, and empties the box', () => {
    const memo = new PackMemo();
    const o = box(['{"a":1}', '{"b":2}']);
    expect(o.drain(false, 65536, memo)).toEqual(['{"a":1}', '{"b":2}']);
    expect(o.length).toBe(0);
    expect(o.bytes).toBe(0);
  });
});
