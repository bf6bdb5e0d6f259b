import { describe, expect, it } from 'vitest';
import { queryOf } from '../../transports/request-handshake.js';

/** What URLSearchParams makes of the URL's query, the reference the hand-split fast path must agree with. */
function reference(url: string): Record<string, string> {
  const q = url.indexOf('?');
  if (q === -1) return {};
  const hash = url.indexOf('#', q);
  return Object.fromEntries(new URLSearchParams(hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash)));
}

describe('queryOf', () => {
  const urls = [
    '/engine.io/?EIO=4&transport=polling',
    '/engine.io/?EIO=4&transport=polling&t=Px1a&sid=abc_DEF-123',
    '/engine.io/?EIO=4&transport=websocket&sid=x#frag&y=1',
    '/ws',
    '/ws?',
    '/ws?&&a=1&&',
    '/ws?a&b=&=c&==d',
    '/ws?a=1&a=2',
    '/ws?a=b=c',
    '/ws?nick=caf%C3%A9&x=a+b',
    '/ws?bad=%E0%A4%A',
    '/ws?constructor=1&toString=2',
    '/ws?__proto__=1&a=2',
    '/ws?a=%5F_proto__',
    '/ws?token=eyJhbGciOi.J9x_y-z~&',
  ];
  for (const url of urls) {
    it(`reads ${url} as URLSearchParams does`, () => {
      const got = queryOf(url);
      expect(got).toEqual(reference(url));
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    });
  }

  it('agrees with URLSearchParams on 5,000 random queries', () => {
    // A fixed-seed generator (xorshift): the same queries every run.
    let state = 0x2545f491;
    const next = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    };
    const alphabet = ['a', 'b', 'Z', '0', '=', '&', '_', '-', '.', '~', '#', '%', '2', 'F', '+', 'é'];
    for (let i = 0; i < 5000; i++) {
      let query = '';
      const length = Math.floor(next() * 14);
      for (let j = 0; j < length; j++) query += alphabet[Math.floor(next() * alphabet.length)];
      const url = `/x?${query}`;
      expect(queryOf(url), url).toEqual(reference(url));
    }
  });

  it('never sets the prototype of what it returns', () => {
    const got = queryOf('/ws?__proto__=x&polluted=1');
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.hasOwn(got, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
