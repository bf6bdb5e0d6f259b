import { connect } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { makeWire, type Wire } from '../wire.js';

/** How long a connect may take before it is given up. */
const CONNECT_TIMEOUT_MS = 10_000;
/** A server line longer than this is not a frame of any configuration (frames are at most 16 MiB). */
const MAX_LINE_CHARS = 32 * 1024 * 1024;

/**
 * A TCP JSON-lines wire: one frame per line. Lines that do not start with `{` (the server's greeting for
 * people at `nc`) are not frames and are skipped.
 */
export function tcpWire(
  host: string,
  port: number,
  { connectTimeoutMs = CONNECT_TIMEOUT_MS, maxLineChars = MAX_LINE_CHARS } = {},
): Promise<Wire> {
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
    const text = decoder.write(chunk);
    // Only a chunk with a newline ends lines; appending the others keeps a long line linear to read.
    const lines = text.includes('\n') ? (partial + text).split('\n') : [partial + text];
    partial = lines.pop() ?? '';
    if (partial.length > maxLineChars) {
      socket.destroy(new Error('The server sent a line longer than any frame.'));
      return;
    }
    for (const line of lines)
      if (line.startsWith('{')) sink.text(line.endsWith('\r') ? line.slice(0, -1) : line);
  });
  socket.on('close', () => sink.closed());
  return new Promise((resolve, reject) => {
    socket.setTimeout(connectTimeoutMs, () =>
      socket.destroy(new Error(`No connection within ${connectTimeoutMs} ms.`)),
    );
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve(wire);
    });
    socket.once('error', reject);
  });
}
