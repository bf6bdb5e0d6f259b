import { once } from 'node:events';
import { connect } from 'node:net';
import { Socket } from 'engine.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type TestServer } from '../helpers/server.js';

// `websocket: false` (WEBSOCKET=off): engine.io serves long-polling only, offers no upgrade, and a
// WebSocket request on its path fails at once with 403, as behind a proxy that forbids WebSocket.

const servers: TestServer[] = [];

async function serve(websocket: boolean): Promise<TestServer> {
  const server = await startServer({ websocket });
  servers.push(server);
  return server;
}

/** How a plain WebSocket handshake to the engine.io path is answered: 101 when it opens, else the HTTP error. */
function handshake(server: TestServer): Promise<{ status: number; code?: string }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/engine.io/?EIO=4&transport=websocket`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, code: (JSON.parse(body) as { code: string }).code });
        ws.terminate();
      });
    });
    ws.once('error', reject);
  });
}

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

describe('engine.io with websocket off', () => {
  it('offers no upgrade in the polling handshake', async () => {
    const server = await serve(false);
    const body = await fetch(`${server.url}/engine.io/?EIO=4&transport=polling`).then((r) => r.text());
    const handshake = JSON.parse(body.slice(1)) as { sid: string; upgrades: string[] };
    expect(handshake.upgrades).toEqual([]);
    // Close the session (engine.io close packet) so the server need not wait for it on shutdown.
    await fetch(`${server.url}/engine.io/?EIO=4&transport=polling&sid=${handshake.sid}`, {
      method: 'POST',
      body: '1',
    });
  });

  it('answers a WebSocket handshake with 403 instead of leaving it hanging, even when another transport listens for upgrades', async () => {
    const server = await serve(false);
    const refused = { status: 403, code: 'websocket_disabled' };
    expect(await handshake(server)).toEqual(refused);
    // Another transport's upgrade listener that ignores this path changes nothing.
    server.app.server.on('upgrade', () => undefined);
    expect(await handshake(server)).toEqual(refused);
  });

  it.each([false, true])(
    'ends an upgrade to a path nobody serves instead of leaving it hanging, so shutdown is not held up (websocket %s)',
    async (websocket) => {
      const server = await serve(websocket);
      const socket = connect(server.port, '127.0.0.1');
      const closed = once(socket, 'close');
      socket.write(
        'GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      await closed;
      await server.close();
    },
  );

  it('makes an engine.io-client WebSocket attempt fail with an error, and polling still works', async () => {
    const server = await serve(false);
    const ws = new Socket(server.url, { path: '/engine.io/', transports: ['websocket'] });
    await new Promise<void>((resolve) => ws.once('error', () => resolve()));
    expect(ws.readyState).toBe('closed');
    const polling = new Socket(server.url, { path: '/engine.io/', transports: ['polling'] });
    await new Promise<void>((resolve) => polling.once('open', () => resolve()));
    expect(polling.transport.name).toBe('polling');
    polling.close();
  });

  it('accepts WebSocket when on', async () => {
    const server = await serve(true);
    expect(await handshake(server)).toEqual({ status: 101 });
  });
});
