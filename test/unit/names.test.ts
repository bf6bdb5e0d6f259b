import { describe, expect, it } from 'vitest';
import { nickKey, normalizeNick, skeleton } from '../../src/protocol/names.js';

describe('normalizeNick', () => {
  it('refuses the invisible and text-steering characters of the impersonation report', () => {
    for (const nick of ['alice\u200b', 'alice\u2060', 'ali\u00adce', '\u202eecila']) {
      expect(normalizeNick(nick), JSON.stringify(nick)).toBeUndefined();
    }
  });

  it('refuses every format, bidi and default-ignorable character, wherever it stands', () => {
    const invisible = [
      '\u200b',
      '\u200c',
      '\u200d',
      '\u2060',
      '\u00ad',
      '\ufeff',
      '\u180e',
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
      '\u200e',
      '\u200f',
      '\u061c',
      '\u034f',
      '\ufe0f',
      '\u3164',
      '\u{e0041}',
    ];
    for (const ch of invisible) {
      for (const nick of [`${ch}bob`, `b${ch}ob`])
        expect(normalizeNick(nick), JSON.stringify(nick)).toBeUndefined();
    }
  });

  it('refuses control characters, separators, lone surrogates and private use', () => {
    for (const nick of [
      'a\nb',
      'a\u0000b',
      'a\u007fb',
      'a\u0085b',
      'a\u2028b',
      'a\u2029b',
      'a\ud800b',
      'a\ue000b',
    ]) {
      expect(normalizeNick(nick), JSON.stringify(nick)).toBeUndefined();
    }
  });

  it('returns the NFKC form, trimmed', () => {
    expect(normalizeNick('  ａｌｉｃｅ ')).toBe('alice');
    expect(normalizeNick('e\u0301')).toBe('\u00e9');
    expect(normalizeNick('Ⅸ')).toBe('IX');
  });

  it('keeps letters of every script, spaces inside, and emoji', () => {
    for (const nick of ['Zoë', 'Борис', '李小龍', 'ali ce', '👍🏽', 'José-2'])
      expect(normalizeNick(nick)).toBe(nick);
  });

  it('counts the 32 code points after normalizing', () => {
    expect(normalizeNick('😀'.repeat(32))).toBe('😀'.repeat(32));
    expect(normalizeNick('x'.repeat(33))).toBeUndefined();
    // U+FDFA is one code point that NFKC spells with 18.
    expect(normalizeNick('\ufdfa'.repeat(2))).toBeUndefined();
    expect(normalizeNick('   ')).toBeUndefined();
  });
});

describe('nickKey', () => {
  it('gives alice, its capitals, its Cyrillic lookalike and its fullwidth form one key', () => {
    const key = nickKey('alice');
    for (const nick of ['ALICE', 'Alice', '\u0430lice', '\u0391LICE', 'ａｌｉｃｅ', ' alice ']) {
      expect(nickKey(nick), nick).toBe(key);
    }
  });

  it('makes the classic lookalikes collide', () => {
    expect(nickKey('b0b')).toBe(nickKey('bob'));
    expect(nickKey('rn')).toBe(nickKey('m'));
    expect(nickKey('p\u0430yp\u0430l')).toBe(nickKey('paypal'));
    expect(nickKey('stra\u00dfe')).toBe(nickKey('STRASSE'));
    expect(nickKey('e\u0301')).toBe(nickKey('\u00e9'));
  });

  it('keeps nicks that do not look alike apart', () => {
    expect(nickKey('alice')).not.toBe(nickKey('alicia'));
    expect(nickKey('bob')).not.toBe(nickKey('bob-2'));
    expect(nickKey('Борис')).not.toBe(nickKey('Boris'));
  });
});

describe('skeleton', () => {
  it('maps lookalikes to one prototype and leaves prototypes alone', () => {
    expect(skeleton('\u0430')).toBe('a');
    expect(skeleton('\u2113')).toBe('l');
    expect(skeleton('abc')).toBe('abc');
    expect(skeleton(skeleton('p\u0430yp\u0430l'))).toBe(skeleton('p\u0430yp\u0430l'));
  });
});
