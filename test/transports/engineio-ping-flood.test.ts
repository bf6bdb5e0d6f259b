import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { bystanders } from '../helpers/bystanders.js';
import { connectEngine, connectRawWs } from '../helpers/client.js';
import { maskedFrame, rawUpgrade } from '../helpers/raw-ws.js';
import { startServer } from '../helpers/server.js';

/** WebSocket opcode of a ping (RFC 6455 5.5.2). */
const PING = 0x9;

/**
 * Writes `chunk` again and again, respecting backpressure, until the socket closes or `maxChunks` were
 * written; resolves with whether the server closed it.
 */
async function floodUntilClosed(socket: Socket, chunk: Buffer, maxChunks: number): Promise<boolean> {
  let closed = socket.destroyed;
  const onClose = () => {
    closed = true;
  };
  socket.once('close', onClose);
  socket.on('error', () => {});
  for (let i = 0; i < maxChunks && !closed; i++) {
    if (!socket.write(chunk)) {
      await Promise.race([once(socket, 'drain'), once(socket, 'close')]).catch(() => {});
    }
  }
  if (!closed) socket.destroy();
  socket.off('close', onClose);
  return closed;
}

describe('engine.io WebSocket under a ping flood', () => {
  it('closes a peer that floods 125-byte pings and never reads, and everyone else chats on', async () => {
    await using server = await startServer();
    const calm = await bystanders(
      server,
      () => connectEngine(server.url, 'websocket'),
      () => connectRawWs(server.url),
    );
    const upgrade = await rawUpgrade(server.port, '/engine.io/?EIO=4&transport=websocket');
    expect(upgrade.status).toBe(101);
    // Never read: every pong the server owes stays queued on its side until a bound cuts the peer off.
    upgrade.socket.pause();
    const ping = maskedFrame(PING, Buffer.alloc(125, 0x70));
    const chunk = Buffer.concat(Array.from({ length: 512 }, () => ping));
    // 512 pings a chunk, at most 1,600 chunks (~107 MB): far past any kernel buffer, so only a bound on
    // unanswered pings can close the socket before the loop ends.
    expect(await floodUntilClosed(upgrade.socket, chunk, 1600)).toBe(true);
    await calm.stillFine();
    calm.close();
  });
});
