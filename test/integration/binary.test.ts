import { describe, expect, it, vi } from 'vitest';
import { findBinary } from '../../src/client/json-data.js';
import { connect as connectNode } from '../../src/client/node-client.js';
import { MemoryStore } from '../../web/client/demotion.js';
import { connect } from '../../web/client/index.js';
import { connectEngine } from '../helpers/client.js';
import { startServer } from '../helpers/server.js';

// Binary event data is refused by both clients before anything is sent, with `binary_data`: JSON would
// turn a Uint8Array into {"0":1,…} and an ArrayBuffer or a Blob into {}.

const BINARY: [string, unknown, string][] = [
  ['a Uint8Array', new Uint8Array([1, 2, 3]), 'data is a Uint8Array'],
  ['an ArrayBuffer', new ArrayBuffer(4), 'data is a ArrayBuffer'],
  ['a Blob', new Blob(['x']), 'data is a Blob'],
  ['a Buffer in an object', { file: Buffer.from('x') }, 'data.file is a Buffer'],
  ['a DataView in an array', [1, { v: new DataView(new ArrayBuffer(2)) }], 'data[1].v is a DataView'],
];

describe('findBinary', () => {
  it.each(BINARY)('finds %s and where it is', (_name, data, message) => {
    const found = findBinary(data);
    expect(found && `${found.path} is a ${found.kind}`).toBe(message);
  });

  it('passes JSON data, and survives cycles', () => {
    const cyclic: Record<string, unknown> = { a: [1, 'two', { three: null }] };
    cyclic.self = cyclic;
    for (const data of [null, 1, 'text', { a: [1, 2] }, cyclic]) expect(findBinary(data)).toBeUndefined();
  });
});

describe('emit with binary data, against a real gateway', () => {
  it('is refused by the Node client before sending, and JSON data still goes', async () => {
    await using server = await startServer();
    const ear = await connectEngine(server.url, 'websocket');
    await ear.hello({ nick: 'ear' });
    await ear.request({ type: 'join', room: 'bin' });
    const client = connectNode(server.url, { nick: 'node' });
    await client.opened();
    await client.join('bin');
    for (const [name, data] of BINARY) {
      await expect(client.emit('bin', 'file', data), name).rejects.toMatchObject({
        code: 'binary_data',
        message: expect.stringContaining('emit data must be JSON'),
      });
    }
    await client.emit('bin', 'file', { base64: 'AQID' });
    expect(await ear.next('event')).toMatchObject({ event: 'file', data: { base64: 'AQID' } });
    expect(ear.frames.filter((f) => f.type === 'event')).toHaveLength(1);
    client.close();
    ear.close();
  });

  it('is refused by the browser client before sending, and JSON data still goes', async () => {
    await using server = await startServer();
    const ear = await connectEngine(server.url, 'websocket');
    await ear.hello({ nick: 'ear' });
    await ear.request({ type: 'join', room: 'bin' });
    const client = connect({ url: server.url, hasWebSocket: true, storage: new MemoryStore(), query: false });
    await vi.waitFor(() => expect(client.state).toBe('open'), { timeout: 5000 });
    await client.join('bin');
    for (const [name, data] of BINARY) {
      await expect(client.emit('bin', 'file', data), name).rejects.toMatchObject({ code: 'binary_data' });
    }
    await client.emit('bin', 'file', [1, 2, 3]);
    expect(await ear.next('event')).toMatchObject({ event: 'file', data: [1, 2, 3] });
    expect(ear.frames.filter((f) => f.type === 'event')).toHaveLength(1);
    client.close();
    ear.close();
  });
});
