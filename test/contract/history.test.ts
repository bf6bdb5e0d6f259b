import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { History, NewMessage, RangeQuery } from '../../src/history/history.js';
import { MemoryHistory } from '../../src/history/memory.js';
import { RedisClients } from '../../src/redis/clients.js';
import { RedisHistory, RedisMessageLog } from '../../src/redis/history.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

/** One backend under the History contract: `make` gives a store over shared state, `fresh` empties that state first. */
interface Backend {
  name: string;
  make(limit?: number): Promise<History>;
  fresh(limit?: number): Promise<History>;
}

let redis: TestRedis;
const clients: RedisClients[] = [];
let epochs = 0;
const newEpoch = () => `E${++epochs}`;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await redis?.stop();
});

async function redisClients(): Promise<RedisClients> {
  const c = await RedisClients.connect({ url: redis.url });
  clients.push(c);
  return c;
}

const BACKENDS: Backend[] = [
  (() => {
    let current: MemoryHistory | undefined;
    return {
      name: 'MemoryHistory',
      // Memory state lives in the instance: a second "node" is the same instance.
      make: async (limit) => {
        current ??= new MemoryHistory({ ...(limit ? { limit } : {}), newEpoch });
        return current;
      },
      fresh: async (limit) => {
        current = new MemoryHistory({ ...(limit ? { limit } : {}), newEpoch });
        return current;
      },
    };
  })(),
  ...[RedisHistory, RedisMessageLog].map((Impl) => ({
    name: Impl.name,
    make: async (limit?: number) =>
      new Impl({ clients: await redisClients(), limit: limit ?? 1000, newEpoch }),
    fresh: async (limit?: number) => {
      const c = await redisClients();
      await c.command.flushall();
      return new Impl({ clients: c, limit: limit ?? 1000, newEpoch });
    },
  })),
];

const msg = (text: string, cid?: string, session = 's1'): NewMessage => ({
  room: 'r',
  msgId: `m-${text}`,
  from: 'a',
  text,
  ts: 1,
  session,
  ...(cid ? { cid } : {}),
});

describe.each(BACKENDS)('History contract: $name', (backend) => {
  it('numbers appends by one, keeps exactly the newest `limit`, and pages by seq', async () => {
    const h = await backend.fresh(3);
    for (let i = 1; i <= 5; i++) expect((await h.append('/', 'r', msg(`t${i}`))).message.seq).toBe(i);
    expect(await h.info('/', 'r')).toMatchObject({ seq: 5, first: 3 });
    const seqs = async (q: RangeQuery) => (await h.range('/', 'r', q)).messages.map((m) => m.seq);
    expect(await seqs({ limit: 10 })).toEqual([3, 4, 5]);
    expect(await seqs({ limit: 2 })).toEqual([4, 5]);
    expect(await seqs({ after: 3, limit: 10 })).toEqual([4, 5]);
    expect(await seqs({ after: 0, limit: 1 })).toEqual([3]);
    expect(await seqs({ before: 5, limit: 1 })).toEqual([4]);
    expect(await seqs({ after: 5, limit: 10 })).toEqual([]);
    expect(await seqs({ after: 2, before: 5, limit: 10 })).toEqual([3, 4]);
    expect(await seqs({ limit: 0 })).toEqual([]);
    expect(await h.info('/', 'empty')).toMatchObject({ seq: 0, first: 1 });
  });

  it('stores the message as given, with its seq, and reads it back whole', async () => {
    const h = await backend.fresh();
    const sent = { ...msg('héllo "quoted" \u2028 line', 'c9'), ts: 1_765_000_000_123 };
    const { message } = await h.append('/', 'r', sent);
    expect(message).toEqual({ ...sent, seq: 1 });
    const { info, messages } = await h.range('/', 'r', { limit: 5 });
    expect(messages).toEqual([{ ...sent, seq: 1 }]);
    expect(info).toEqual(await h.info('/', 'r'));
  });

  it('returns the earlier message for a repeated session and cid while it is held, and only then', async () => {
    const h = await backend.fresh(2);
    const first = await h.append('/', 'r', msg('x', 'c1'));
    const again = await h.append('/', 'r', msg('x', 'c1'));
    expect(again).toEqual({ message: first.message, duplicate: true });
    expect((await h.append('/', 'r', msg('x', 'c1', 's2'))).duplicate).toBe(false);
    await h.append('/', 'r', msg('y'));
    await h.append('/', 'r', msg('z'));
    // c1 of s1 has left the window, so it is a new message now.
    expect(await h.append('/', 'r', msg('x', 'c1'))).toMatchObject({ duplicate: false, message: { seq: 5 } });
  });

  it('keeps rooms and namespaces apart, and gives a room one epoch from its first read on', async () => {
    const h = await backend.fresh();
    await h.append('/', 'r', msg('a'));
    await h.append('/other', 'r', msg('b'));
    await h.append('/other', 'r', msg('c'));
    expect((await h.info('/', 'r')).seq).toBe(1);
    expect((await h.info('/other', 'r')).seq).toBe(2);
    const before = await h.info('/', 'later');
    expect(before).toMatchObject({ seq: 0, first: 1 });
    expect((await h.range('/', 'never', { limit: 5 })).messages).toEqual([]);
    await h.append('/', 'later', msg('d'));
    expect(await h.info('/', 'later')).toEqual({ epoch: before.epoch, seq: 1, first: 1 });
  });

  it('shares rooms between stores over the same state (another node, a restart) and starts a new epoch when the state is new', async () => {
    const a = await backend.fresh();
    await a.append('/', 'r', msg('a'));
    const info = await a.info('/', 'r');
    const b = await backend.make();
    expect(await b.info('/', 'r')).toEqual(info);
    expect((await b.append('/', 'r', msg('b'))).message.seq).toBe(2);
    expect((await a.info('/', 'r')).seq).toBe(2);
    const c = await backend.fresh();
    const renewed = await c.info('/', 'r');
    expect(renewed.seq).toBe(0);
    expect(renewed.epoch).not.toBe(info.epoch);
  });

  it('resolves concurrent appends of one room with distinct, gap-free seqs', async () => {
    const h = await backend.fresh();
    const other = await backend.make();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 ? h : other).append('/', 'r', msg(`c${i}`))),
    );
    expect(results.map((r) => r.message.seq).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
  });
});
