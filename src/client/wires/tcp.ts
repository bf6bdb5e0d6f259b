import { connect } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { makeWire, type Wire } from '../wire.js';

/**
 * A TCP JSON-lines wire: one frame per line. Lines that do not start with `{` (the server's greeting for
 * people at `nc`) are not frames and are skipped.
 */
export function tcpWire(host: string, port: number): Promise<Wire> {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  const { wire, sink } = makeWire({
    send: (text) => {
      if (!socket.writableEnded) socket.write(`${text}\n`);
    },
    close: () => socket.end(),
    transport: () => 'tcp',
  });
  const decoder = new StringDecoder('utf8');
  let partial = '';
  socket.on('data', (chunk: Buffer) => {
    const lines = (partial + decoder.write(chunk)).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines)
      if (line.startsWith('{')) sink.text(line.endsWith('\r') ? line.slice(0, -1) : line);
  });
  socket.on('close', () => sink.closed());
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(wire);
    });
    socket.once('error', reject);
  });
}
