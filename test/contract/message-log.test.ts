import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { NewMessage, StoredMessage } from '../../src/history/history.js';
import { LocalMessageLog } from '../../src/history/local-log.js';
import { MemoryHistory } from '../../src/history/memory.js';
import type { MessageLog } from '../../src/ports/message-log.js';
import { RedisClients } from '../../src/redis/clients.js';
import { RedisMessageLog } from '../../src/redis/history.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

/**
 * One backend under the MessageLog contract: `nodes(n)` gives n logs over one shared state, each subscribed
 * and listening. The one-process LocalMessageLog has its own case below.
 */
interface Backend {
  name: string;
  nodes(n: number): Promise<{ logs: MessageLog[]; received: [string, StoredMessage][][] }>;
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
    name: 'RedisMessageLog',
    nodes: async (n) => {
      const logs: RedisMessageLog[] = [];
      const received: [string, StoredMessage][][] = [];
      for (let i = 0; i < n; i++) {
        const c = await RedisClients.connect({ url: redis.url });
        clients.push(c);
        if (i === 0) await c.command.flushall();
        const log = new RedisMessageLog({ clients: c, newEpoch: () => `E${i}` });
        const mine: [string, StoredMessage][] = [];
        log.subscribe((ns, m) => mine.push([ns, m]));
        await log.listening();
        logs.push(log);
        received.push(mine);
      }
      return { logs, received };
    },
  },
];

const msg = (text: string, cid?: string): NewMessage => ({
  room: 'r',
  msgId: `m-${text}`,
  from: 'a',
  text,
  ts: 1,
  session: 's1',
  ...(cid ? { cid } : {}),
});

describe.each(BACKENDS)('MessageLog contract: $name', (backend) => {
  it('delivers every append once to every node, this one included, in seq order per room', async () => {
    const { logs, received } = await backend.nodes(3);
    const appended: StoredMessage[] = [];
    for (let i = 0; i < 30; i++) {
      appended.push((await (logs[i % 3] as MessageLog).append('/', 'r', msg(`t${i}`))).message);
    }
    await vi.waitFor(() => {
      for (const mine of received) expect(mine.length).toBe(30);
    });
    for (const mine of received) {
      expect(mine.map(([ns]) => ns).every((ns) => ns === '/')).toBe(true);
      expect(mine.map(([, m]) => m)).toEqual(appended);
    }
  });

  it('does not publish a resend again, and tells rooms and namespaces apart', async () => {
    const { logs, received } = await backend.nodes(2);
    const [a, b] = logs as [MessageLog, MessageLog];
    await a.append('/', 'r', msg('x', 'c1'));
    expect((await b.append('/', 'r', msg('x', 'c1'))).duplicate).toBe(true);
    await b.append('/chat', 'r', msg('y'));
    await a.append('/', 'other', { ...msg('z'), room: 'other' });
    await vi.waitFor(() => expect(received[1]?.length).toBe(3));
    expect(received[1]?.map(([ns, m]) => `${ns} ${m.room} ${m.seq} ${m.text}`)).toEqual([
      '/ r 1 x',
      '/chat r 1 y',
      '/ other 1 z',
    ]);
    expect(received[0]).toEqual(received[1]);
  });
});

describe('MessageLog contract: LocalMessageLog (one process)', () => {
  it('hands every append to the subscriber before it resolves, once, and a resend not again', async () => {
    const log = new LocalMessageLog(new MemoryHistory({ limit: 100, newEpoch: () => 'E' }));
    const received: [string, StoredMessage][] = [];
    log.subscribe((ns, m) => received.push([ns, m]));
    const first = await log.append('/', 'r', msg('a', 'c1'));
    expect(received.map(([, m]) => m)).toEqual([first.message]);
    const again = await log.append('/', 'r', msg('a', 'c1'));
    expect(again).toMatchObject({ duplicate: true, message: { seq: 1 } });
    await log.append('/chat', 'r', msg('b'));
    expect(received.map(([ns, m]) => `${ns} ${m.seq} ${m.text}`)).toEqual(['/ 1 a', '/chat 1 b']);
    expect((await log.range('/', 'r', { limit: 10 })).messages.map((m) => m.text)).toEqual(['a']);
  });
});
