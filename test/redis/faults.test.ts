import Fastify from 'fastify';
import { describe, expect, it, vi } from 'vitest';
import type { BusEvent } from '../../src/bus/bus.js';
import type { StoredMessage } from '../../src/history/history.js';
import { RedisClients, RedisUnavailableError } from '../../src/redis/clients.js';
import { connectCluster, registerReadyz } from '../../src/server/cluster.js';
import { loadConfig } from '../../src/server/config.js';
import { freePort } from '../helpers/ports.js';
import { startRedis } from '../helpers/redis.js';

const quiet = { warn: () => {}, info: () => {} };
const msg = (text: string) => ({ room: 'r', msgId: `m-${text}`, from: 'a', text, ts: 1, session: 's1' });

describe('Redis faults', () => {
  it('fails at start-up with one line naming REDIS_URL when Redis is unreachable', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const config = { ...loadConfig({ REDIS_URL: url }), redisUrl: url };
    const error = await connectCluster(config, quiet, () => 'E').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^Redis is unreachable at REDIS_URL=${url}/?: .*ECONNREFUSED`),
    );
    expect((error as Error).message).not.toContain('\n');
  });

  it('hides the password of REDIS_URL in that line', async () => {
    const url = `redis://:hunter2@127.0.0.1:${await freePort()}`;
    const error = await RedisClients.connect({ url }).catch((e: unknown) => e);
    expect((error as Error).message).not.toContain('hunter2');
    expect((error as Error).message).toContain('REDIS_URL=redis://:***@127.0.0.1');
  });

  it('fails appends while Redis is down, throws nothing unhandled, reports not ready, and recovers by itself', async () => {
    await using redis = await startRedis();
    const url = redis.url;
    const warnings: string[] = [];
    const log = {
      warn: (_: object, m: string) => warnings.push(m),
      info: (_: object, m: string) => warnings.push(m),
    };
    const node = await connectCluster({ ...loadConfig({}), redisUrl: url, nodeId: 'n1' }, log, () => 'E');
    await node.start();
    const app = Fastify();
    registerReadyz(app, node.ready);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const readyz = async () =>
      (await fetch(`http://127.0.0.1:${(app.server.address() as { port: number }).port}/readyz`)).status;
    try {
      const messages: StoredMessage[] = [];
      const events: BusEvent[] = [];
      node.messageLog.subscribe((_ns, m) => messages.push(m));
      node.bus.subscribe((e) => events.push(e));
      await Promise.all([node.messageLog.listening(), node.bus.listening()]);
      await node.messageLog.append('/', 'r', msg('before'));
      await vi.waitFor(() => expect(messages).toHaveLength(1));
      expect(await readyz()).toBe(200);

      await redis.stop();
      await vi.waitFor(() => expect(node.ready()).toBe(false));
      expect(await readyz()).toBe(503);
      await expect(node.messageLog.append('/', 'r', msg('during'))).rejects.toThrow();
      await expect(node.messageLog.range('/', 'r', { limit: 5 })).rejects.toThrow();
      await expect(node.presence.join('/', 'r', { session: 's1', nick: 'a', node: 'n1' })).rejects.toThrow();
      // publish never throws: the failure is reported.
      node.bus.publish({
        kind: 'event',
        ns: '/',
        room: 'r',
        event: 'lost',
        data: 1,
        from: 'a',
        session: 's1',
      });
      await vi.waitFor(() => expect(warnings).toContain('redis operation failed'));
      expect(warnings.filter((w) => w.startsWith('redis unreachable'))).toHaveLength(1);

      await redis.start();
      await vi.waitFor(() => expect(node.ready()).toBe(true), { timeout: 10_000 });
      expect(await readyz()).toBe(200);
      expect(warnings).toContain('redis reachable again');
      // Redis came back empty: a new epoch, numbering from 1, and both subscriptions are back.
      await vi.waitFor(() => expect(node.messageLog.append('/', 'r', msg('after'))).resolves.toBeDefined());
      await vi.waitFor(() => expect(messages.map((m) => m.text)).toContain('after'));
      node.bus.publish({
        kind: 'event',
        ns: '/',
        room: 'r',
        event: 'back',
        data: 2,
        from: 'a',
        session: 's1',
      });
      await vi.waitFor(() =>
        expect(events.map((e) => (e.kind === 'event' ? e.event : ''))).toContain('back'),
      );
      expect(messages.map((m) => m.text)).not.toContain('during');
    } finally {
      await app.close();
      await node.close();
    }
  });
});
