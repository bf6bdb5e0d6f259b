import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bus, BusEvent } from '../../src/bus/bus.js';
import { LocalBus } from '../../src/bus/local.js';
import { RedisBus } from '../../src/redis/bus.js';
import { RedisClients } from '../../src/redis/clients.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

/** One backend under the Bus contract: `nodes(n)` gives n subscribed buses that reach each other. */
interface Backend {
  name: string;
  /** How many nodes it can join (LocalBus is one process). */
  max: number;
  nodes(n: number): Promise<{ buses: Bus[]; received: BusEvent[][] }>;
}

let redis: TestRedis;
const clients: RedisClients[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await redis?.stop();
});

const BACKENDS: Backend[] = [
  {
    name: 'LocalBus',
    max: 1,
    nodes: async () => {
      const bus = new LocalBus();
      const mine: BusEvent[] = [];
      bus.subscribe((e) => mine.push(e));
      return { buses: [bus], received: [mine] };
    },
  },
  {
    name: 'RedisBus',
    max: 3,
    nodes: async (n) => {
      const buses: Bus[] = [];
      const received: BusEvent[][] = [];
      for (let i = 0; i < n; i++) {
        const c = await RedisClients.connect({ url: redis.url });
        clients.push(c);
        const bus = new RedisBus({ clients: c, prefix: `bus-test-${n}:` });
        const mine: BusEvent[] = [];
        bus.subscribe((e) => mine.push(e));
        await bus.listening();
        buses.push(bus);
        received.push(mine);
      }
      return { buses, received };
    },
  },
];

const presence = (nick: string): BusEvent => ({
  kind: 'presence',
  ns: '/',
  room: 'r',
  event: 'join',
  nick,
  session: `s-${nick}`,
  members: 1,
});

describe.each(BACKENDS)('Bus contract: $name', (backend) => {
  it('delivers every event to every node, the publisher included, in publish order per publisher', async () => {
    const { buses, received } = await backend.nodes(backend.max);
    const custom = (p: number): BusEvent => ({
      kind: 'event',
      ns: '/',
      room: 'r',
      event: 'typing',
      data: { deep: [p, 'two', null] },
      from: `p${p}`,
      session: `s-p${p}`,
    });
    const sent: BusEvent[][] = buses.map((bus, p) => {
      const own = Array.from({ length: 10 }, (_, i) => (i === 5 ? custom(p) : presence(`p${p}-${i}`)));
      for (const event of own) bus.publish(event);
      return own;
    });
    const total = sent.flat().length;
    await vi.waitFor(() => {
      for (const mine of received) expect(mine.length).toBe(total);
    });
    for (const mine of received) {
      for (const own of sent) {
        const keys = new Set(own.map((e) => JSON.stringify(e)));
        expect(mine.filter((e) => keys.has(JSON.stringify(e)))).toEqual(own);
      }
    }
  });
});
