import { once } from 'node:events';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { tcpWire } from '../../src/client/wires/tcp.js';

describe('Node client TCP wire', () => {
  it('reads frames split across writes and closes on a server line longer than any frame', async () => {
    const server = createServer((socket) => {
      socket.write('* greeting for people\n{"type":"pi');
      setImmediate(() => socket.write('ng"}\n'));
      socket.once('data', () => socket.write('y'.repeat(5000)));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    const wire = await tcpWire('127.0.0.1', port, { maxLineChars: 1000 });
    const texts: string[] = [];
    let closed = false;
    wire.onText((t) => texts.push(t));
    wire.onClose(() => {
      closed = true;
    });
    await expect.poll(() => texts).toEqual(['{"type":"ping"}']);
    wire.send('{"type":"hello"}');
    await expect.poll(() => closed).toBe(true);
    server.close();
  });
});
