import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertStillChats, RawPeer, startHostile } from '../helpers/adversary.js';
import { wsFrame } from '../helpers/raw-ws.js';
import type { TestServer } from '../helpers/server.js';

// Malformed RFC 6455 on both WebSocket endpoints: the peer is closed, nobody else notices.
let server: TestServer;
beforeAll(async () => {
  server = await startHostile();
});
afterAll(() => server.close());

const PATHS = ['/ws', '/engine.io/?EIO=4&transport=websocket'] as const;

async function opened(path: string, headers: Record<string, string> = {}): Promise<RawPeer> {
  const peer = await RawPeer.upgrade(server.port, path, headers);
  expect(peer.status()).toBe(101);
  return peer;
}

for (const path of PATHS) {
  describe(`malformed frames on ${path.split('?')[0]}`, () => {
    for (const [name, frame] of [
      ['reserved bits set', wsFrame(0x80 | 0x40 | 0x1, '{"type":"ping"}')],
      ['unmasked client frame', wsFrame(0x81, '{"type":"ping"}', false)],
      ['bad opcode 0x3', wsFrame(0x83, 'x')],
      ['invalid UTF-8 text', wsFrame(0x81, Buffer.from([0x34, 0xc3, 0x28, 0xff]))],
    ] as const) {
      it(`closes on ${name}`, async () => {
        const peer = await opened(path);
        peer.write(frame);
        await peer.waitClosed();
        await assertStillChats(server);
      });
    }

    it('closes on a giant declared length', async () => {
      const peer = await opened(path);
      const head = Buffer.alloc(14);
      head[0] = 0x81;
      head[1] = 0x80 | 127;
      head.writeBigUInt64BE(2n ** 62n, 2);
      peer.write(head);
      await peer.waitClosed();
      await assertStillChats(server);
    });

    it('closes a flood of empty fragments', async () => {
      const peer = await opened(path);
      const chunks = [wsFrame(0x01, '')];
      for (let i = 0; i < 20_000; i++) chunks.push(wsFrame(0x00, ''));
      peer.write(Buffer.concat(chunks));
      await peer.waitClosed(20_000);
      await assertStillChats(server);
    }, 30_000);

    it('survives a ping flood from a peer that never reads', async () => {
      const peer = await opened(path);
      peer.socket.pause();
      const ping = wsFrame(0x89, Buffer.alloc(125, 1));
      for (let i = 0; i < 200; i++) peer.write(Buffer.concat(Array.from({ length: 100 }, () => ping)));
      await assertStillChats(server);
      peer.close();
    }, 30_000);

    it('does not negotiate permessage-deflate', async () => {
      const peer = await opened(path, {
        'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits',
      });
      expect(peer.text().toLowerCase()).not.toContain('permessage-deflate');
      peer.close();
      await assertStillChats(server);
    });

    /** Sends an upgrade request with this key and version by hand, and waits for the server to close. */
    async function refusedHandshake(key: string, version: string): Promise<RawPeer> {
      const peer = await RawPeer.open(server.port);
      peer.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: ${version}\r\n\r\n`,
      );
      await peer.waitClosed();
      return peer;
    }

    it('refuses a handshake of another WebSocket version with 400, naming the versions served', async () => {
      const peer = await refusedHandshake('dGhlIHNhbXBsZSBub25jZQ==', '12');
      expect(peer.status()).toBe(400);
      expect(peer.text()).toContain('Sec-WebSocket-Version: 13, 8\r\n');
      expect(peer.text()).toContain('"code":"bad_request"');
      await assertStillChats(server);
    });

    it('refuses a handshake with a malformed key with 400', async () => {
      const peer = await refusedHandshake('not-a-key', '13');
      expect(peer.status()).toBe(400);
      expect(peer.text()).toContain('Missing or invalid Sec-WebSocket-Key header');
      await assertStillChats(server);
    });

    it('refuses an upgrade with thousands of headers', async () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < 3000; i++) headers[`X-Junk-${i}`] = 'y'.repeat(20);
      const peer = await RawPeer.upgrade(server.port, path, headers);
      expect(peer.status()).not.toBe(101);
      peer.close();
      await assertStillChats(server);
    });

    it('a client killed mid-frame leaves no harm', async () => {
      const peer = await opened(path);
      const frame = wsFrame(0x81, '{"type":"hello","v":1,"nick":"half"}');
      peer.write(frame.subarray(0, 10));
      peer.kill();
      await assertStillChats(server);
    });

    it('a peer that vanishes without closing leaves no harm', async () => {
      const peer = await opened(path);
      peer.socket.pause();
      peer.socket.unref();
      // Never closes, never reads: it is simply gone. The server must go on.
      await assertStillChats(server);
      peer.kill();
    });
  });
}
