import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A WebSocket frame with any first byte and payload, client-masked unless told; the length encoding follows the payload. */
export function wsFrame(first: number, payload: Buffer | string, masked = true): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const len = body.length;
  const maskBit = masked ? 0x80 : 0;
  let head: Buffer;
  if (len < 126) head = Buffer.from([first, maskBit | len]);
  else if (len < 65536) head = Buffer.from([first, maskBit | 126, len >> 8, len & 255]);
  else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!masked) return Buffer.concat([head, body]);
  const mask = randomBytes(4);
  const out = Buffer.from(body.map((b, i) => b ^ (mask[i % 4] as number)));
  return Buffer.concat([head, mask, out]);
}

/** A client-masked WebSocket frame (RFC 6455 5.2) with FIN set, for payloads under 126 bytes. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('maskedFrame takes payloads under 126 bytes');
  return wsFrame(0x80 | opcode, payload);
}

/** The bytes of a WebSocket opening handshake for `path`, with any extra headers. */
export function upgradeRequest(port: number, path: string, headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return (
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`
  );
}

/** What a raw upgrade was answered: the status line and the socket, still open when it was 101. */
export interface RawUpgrade {
  socket: Socket;
  status: number;
  /** The response head and anything after it received so far. */
  received: () => Buffer;
}

/**
 * Sends a WebSocket opening handshake by hand on a plain socket to `path` and resolves once the response
 * head has arrived, so a test can then misbehave on the wire in ways no client library allows.
 */
export function rawUpgrade(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<RawUpgrade> {
  const socket = connect(port, '127.0.0.1');
  let data = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    data = Buffer.concat([data, chunk]);
  };
  socket.on('data', onData);
  socket.write(upgradeRequest(port, path, headers));
  return new Promise((resolve, reject) => {
    const check = () => {
      if (data.indexOf('\r\n\r\n') === -1) return;
      socket.off('data', check);
      socket.off('error', reject);
      const status = Number(data.subarray(9, 12).toString());
      resolve({ socket, status, received: () => data });
    };
    socket.on('data', check);
    socket.once('error', reject);
  });
}

/** A close frame's payload (RFC 6455 5.5.1): the code, then the reason. */
export function closePayload(code: number, reason: Buffer | string = ''): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, Buffer.from(reason)]);
}
