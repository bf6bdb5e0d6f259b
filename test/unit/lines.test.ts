import { describe, expect, it } from 'vitest';
import { type LineEvent, LineSplitter } from '../../transports/tcp/lines.js';

function splitter(max = 16) {
  const events: LineEvent[] = [];
  const s = new LineSplitter(max, (e) => events.push(e));
  const push = (...chunks: (string | number[])[]) => {
    for (const c of chunks) s.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  };
  return { s, events, push };
}

describe('LineSplitter', () => {
  it('splits LF-terminated lines across chunks and drops a trailing CR', () => {
    const { events, push, s } = splitter();
    push('one\ntw', 'o\r\n', '\nthr');
    expect(events).toEqual([
      { kind: 'line', text: 'one' },
      { kind: 'line', text: 'two' },
      { kind: 'line', text: '' },
    ]);
    expect(s.pending).toBe(true);
    push('ee\n');
    expect(events.at(-1)).toEqual({ kind: 'line', text: 'three' });
    expect(s.pending).toBe(false);
  });

  it('joins a multi-byte character split between chunks', () => {
    const { events, push } = splitter();
    const bytes = [...Buffer.from('é€\n')];
    push(bytes.slice(0, 1), bytes.slice(1, 3), bytes.slice(3));
    expect(events).toEqual([{ kind: 'line', text: 'é€' }]);
  });

  it('reports a line over the limit once, as soon as it crosses it, and skips the rest of it', () => {
    const { events, push, s } = splitter(8);
    push('12345', '67890');
    expect(events).toEqual([{ kind: 'too_long' }]);
    push('x'.repeat(1000));
    expect(events).toHaveLength(1);
    expect(s.pending).toBe(true);
    push('tail\nok\n');
    expect(events).toEqual([{ kind: 'too_long' }, { kind: 'line', text: 'ok' }]);
    expect(s.pending).toBe(false);
  });

  it('counts bytes, not characters, and does not count the CR of CRLF', () => {
    const { events, push } = splitter(8);
    push('12345678\r\n', '€€€\n', '123456789\n');
    expect(events).toEqual([{ kind: 'line', text: '12345678' }, { kind: 'too_long' }, { kind: 'too_long' }]);
  });

  it('reports a line that is not UTF-8 and goes on', () => {
    const { events, push } = splitter();
    push([0x7b, 0xff, 0x7d, 0x0a], 'fine\n');
    expect(events).toEqual([{ kind: 'invalid_utf8' }, { kind: 'line', text: 'fine' }]);
  });

  it('joins a line of 10,000 one-byte chunks', () => {
    const { events, push, s } = splitter(20_000);
    const text = Array.from({ length: 10_000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    for (const byte of Buffer.from(text)) push([byte]);
    expect(events).toEqual([]);
    expect(s.pending).toBe(true);
    push('\r\n');
    expect(events).toEqual([{ kind: 'line', text }]);
    expect(s.pending).toBe(false);
  });

  it('holds a line fed a byte at a time in at most about twice its bytes, whatever the chunking', () => {
    const { push, s } = splitter(65_536);
    let worst = 0;
    for (let i = 1; i <= 30_000; i++) {
      push([0x61]);
      // The capacity doubles from 256, so it is never more than twice the bytes held (or 256).
      worst = Math.max(worst, s.heldBytes / Math.max(i, 256));
    }
    expect(worst).toBeLessThanOrEqual(2);
    expect(s.heldBytes).toBeLessThanOrEqual(2 * 30_000);
    // Capped at the line limit (plus one byte for a CR) however long the line runs.
    for (let i = 0; i < 40_000; i++) push([0x61]);
    expect(s.heldBytes).toBe(0);
    push('\n');
    expect(s.heldBytes).toBe(0);
  });

  it('still reports a line fed a byte at a time once it crosses the limit', () => {
    const { events, push } = splitter(300);
    for (let i = 0; i < 1000; i++) push('x');
    push('\nok\n');
    expect(events).toEqual([{ kind: 'too_long' }, { kind: 'line', text: 'ok' }]);
  });

  it('keeps lines apart after a partial line grew its buffer', () => {
    const { events, push } = splitter(4096);
    push('a'.repeat(600), 'b'.repeat(600), '\nshort', '\n');
    expect(events).toEqual([
      { kind: 'line', text: `${'a'.repeat(600)}${'b'.repeat(600)}` },
      { kind: 'line', text: 'short' },
    ]);
  });
});
