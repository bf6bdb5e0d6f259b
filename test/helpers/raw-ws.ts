import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A client-masked WebSocket frame (RFC 6455 5.2) with FIN set, for payloads under 126 bytes. */
export function maskedFrame(opcode: number, payload: Buffer): Buffer {
  if (payload.length > 125) throw new Error('maskedFrame takes payloads under 126 bytes');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] as number)));
  return Buffer.concat([Buffer.from([0x80 | opcode, 0x80 | payload.length]), mask, masked]);
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
  const extra = Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
  );
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
