import { createServer, type Server } from 'node:http';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startHaproxy } from '../helpers/haproxy.js';
import { startRedis } from '../helpers/redis.js';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A tiny HTTP backend that answers its own name. */
async function backend(name: string): Promise<number> {
  const server = createServer((_req, res) => res.end(name));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

describe('test processes', () => {
  it('runs a redis-server that can be stopped and started again, empty, on the same port', async () => {
    await using redis = await startRedis();
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    await client.connect();
    await client.set('k', 'v');
    expect(await client.get('k')).toBe('v');
    await redis.stop();
    expect(redis.running).toBe(false);
    await redis.start();
    await vi.waitFor(async () => expect(await client.ping()).toBe('PONG'), { timeout: 10_000 });
    expect(await client.get('k')).toBeNull();
    client.disconnect();
  });

  it('runs haproxy that spreads requests round-robin over its backends', async () => {
    const ports = [await backend('a'), await backend('b')];
    await using lb = await startHaproxy(ports);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(await (await fetch(lb.url)).text());
    expect(seen.sort()).toEqual(['a', 'a', 'b', 'b']);
  });
});
