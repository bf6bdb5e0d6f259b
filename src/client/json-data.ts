// Custom event data travels as JSON text on every transport: JSON.stringify turns a Uint8Array into
// {"0":1,…} and an ArrayBuffer or a Blob into {}. The clients refuse such data before sending rather
// than deliver something else than was given.

/** How deep and how wide the check looks; data past it is left to JSON.stringify. */
const MAX_VISITS = 10_000;

/** Where in `data` the first binary value is (`data.file`, `data[2]`) and what it is, or undefined. */
export function findBinary(data: unknown): { path: string; kind: string } | undefined {
  let visits = 0;
  const seen = new Set<object>();
  const walk = (value: unknown, path: string): { path: string; kind: string } | undefined => {
    if (value === null || typeof value !== 'object' || ++visits > MAX_VISITS || seen.has(value))
      return undefined;
    seen.add(value);
    const kind = binaryKind(value);
    if (kind) return { path, kind };
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const found = walk(value[i], `${path}[${i}]`);
        if (found) return found;
      }
      return undefined;
    }
    for (const [key, inner] of Object.entries(value)) {
      const found = walk(inner, `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  };
  return walk(data, 'data');
}

function binaryKind(value: object): string | undefined {
  if (value instanceof ArrayBuffer) return 'ArrayBuffer';
  if (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer)
    return 'SharedArrayBuffer';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (typeof Blob === 'function' && value instanceof Blob) return 'Blob';
  return undefined;
}

/** The message of the error a client gives for binary event data. */
export function binaryMessage(found: { path: string; kind: string }): string {
  return `emit data must be JSON: ${found.path} is a ${found.kind}. Encode binary data first (base64 in a string).`;
}
