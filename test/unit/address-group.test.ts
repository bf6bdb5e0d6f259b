import { describe, expect, it } from 'vitest';
import { addressGroup } from '../../src/server/address-group.js';

describe('addressGroup (the unit per-address limits count)', () => {
  it('keeps IPv4 as it is and folds IPv4-mapped IPv6 into it', () => {
    expect(addressGroup('192.0.2.7')).toBe('192.0.2.7');
    expect(addressGroup('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressGroup('::FFFF:192.0.2.7')).toBe('192.0.2.7');
  });

  it('counts IPv6 by its /64, whatever the spelling', () => {
    const group = '2001:db8:0:1::/64';
    for (const a of [
      '2001:db8:0:1::1',
      '2001:0db8:0000:0001:ffff:ffff:ffff:ffff',
      '2001:DB8:0:1:a:b:c:d',
      '[2001:db8:0:1::2]',
      '2001:db8:0:1::3%eth0',
      '2001:db8:0:1:0:0:1.2.3.4',
    ])
      expect(addressGroup(a)).toBe(group);
    expect(addressGroup('2001:db8:0:2::1')).toBe('2001:db8:0:2::/64');
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('fe80::1')).toBe('fe80:0:0:0::/64');
  });

  it('leaves what is not an IP address alone', () => {
    for (const a of ['', 'unknown', '2001:db8::g', '1.2.3'] as const) expect(addressGroup(a)).toBe(a);
  });
});
