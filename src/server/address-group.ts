import { isIPv6 } from 'node:net';

/**
 * The unit that per-address limits count: an IPv4 address as it is, an IPv6 one by its /64. One subscriber
 * or host is routinely handed a whole /64 and may pick any address in it, so counting single IPv6
 * addresses would let one client open a fresh "address" per connection. An IPv4-mapped IPv6 address
 * (`::ffff:192.0.2.1`, what a dual-stack socket reports) is its IPv4 address. Anything else, such as an
 * empty or unparsable address, is returned as it is.
 */
export function addressGroup(address: string): string {
  // Every IPv6 form has a colon; an IPv4 address (the usual case) is its own group, with nothing to parse.
  if (!address.includes(':')) return address;
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const unzoned = bare.split('%')[0] ?? bare;
  if (!isIPv6(unzoned)) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(unzoned);
  if (mapped) return mapped[1] as string;
  return `${expand(unzoned).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of a valid IPv6 address, lower case without leading zeros (an IPv4 tail folded in). */
function expand(address: string): string[] {
  let text = address.toLowerCase();
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((h) => Number.parseInt(h, 16).toString(16));
}
