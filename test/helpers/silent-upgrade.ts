import { once } from 'node:events';
import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/** A TCP relay that lets a WebSocket handshake through and then carries nothing; `await using` stops it. */
export interface SilentUpgrade extends AsyncDisposable {
  port: number;
  /** Connections relayed so far. */
  readonly connections: number;
  stop(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Relays each connection to `target` (a port of 127.0.0.1) up to the end of the server's response head (the
 * 101 of a WebSocket upgrade), then drops every later byte in both directions while keeping both sockets
 * open: the browser sees an open WebSocket on which nothing ever arrives, as behind a proxy that accepts
 * the upgrade and then does not forward frames.
 */
export async function startSilentUpgrade(target: number): Promise<SilentUpgrade> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
    const upstream = tcpConnect(target, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => sockets.delete(s));
    }
    let headDone = false;
    let head = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      // The request head (and nothing after the response head) reaches the server.
      if (!headDone) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (headDone) return;
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end < 0) return;
      headDone = true;
      // The first frame often shares the packet with the 101; only the head goes through.
      client.write(head.subarray(0, end + HEAD_END.length));
    });
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  const stop = async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    get connections() {
      return connections;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
