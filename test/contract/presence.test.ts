import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MemoryPresence } from '../../src/core/memory-presence.js';
import type { Departure, Presence } from '../../src/ports/presence.js';
import { RedisClients } from '../../src/redis/clients.js';
import { RedisPresence } from '../../src/redis/presence.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

/**
 * One backend under the Presence contract: `nodes(n)` gives n presences over one shared, emptied state,
 * node ids `n1`, `n2`… A single-process presence gives one node.
 */
interface Backend {
  name: string;
  max: number;
  nodes(n: number): Promise<Presence[]>;
}

let redis: TestRedis;
const opened: { clients: RedisClients; presence: RedisPresence }[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const o of opened) {
    await o.presence.close();
    await o.clients.close();
  }
  await redis?.stop();
});

/** A Redis presence node, started. */
async function redisNode(
  nodeId: string,
  deadAfterMs = 15_000,
  departed?: (gone: readonly Departure[]) => void,
) {
  const clients = await RedisClients.connect({ url: redis.url });
  const presence = new RedisPresence({ clients, nodeId, deadAfterMs });
  if (departed) presence.onDeparted(departed);
  await presence.start();
  opened.push({ clients, presence });
  return { clients, presence };
}

const REDIS_BACKEND: Backend = {
  name: 'RedisPresence',
  max: 2,
  nodes: async (n) => {
    const flush = await RedisClients.connect({ url: redis.url });
    await flush.command.flushall();
    await flush.close();
    const out: Presence[] = [];
    for (let i = 1; i <= n; i++) out.push((await redisNode(`n${i}`)).presence);
    return out;
  },
};
const MEMORY_BACKEND: Backend = { name: 'MemoryPresence', max: 1, nodes: async () => [new MemoryPresence()] };
const BACKENDS: Backend[] = [MEMORY_BACKEND, REDIS_BACKEND];

const member = (session: string, nick: string, node: string) => ({ session, nick, node });

describe.each(BACKENDS)('Presence contract: $name', (backend) => {
  it('grants a free nick, a variant of a taken one (case does not matter), and a guest nick otherwise', async () => {
    const nodes = await backend.nodes(backend.max);
    const a = nodes[0] as Presence;
    const b = nodes.at(-1) as Presence;
    expect(await a.claimNick('/', ' Bob ', 's1')).toBe('Bob');
    expect(await b.claimNick('/', 'bob', 's2')).toBe('bob-2');
    expect(await a.claimNick('/', 'BOB', 's3')).toBe('BOB-3');
    expect(await a.claimNick('/other', 'bob', 's4')).toBe('bob');
    const guests = [await a.claimNick('/', undefined, 's5'), await b.claimNick('/', '   ', 's6')];
    expect(guests[0]).toMatch(/^guest-\d+$/);
    expect(guests[1]).toMatch(/^guest-\d+$/);
    expect(guests[0]).not.toBe(guests[1]);
    const long = 'x'.repeat(32);
    expect(await a.claimNick('/', long, 's7')).toBe(long);
    const variant = await b.claimNick('/', long, 's8');
    expect(variant).toBe(`${'x'.repeat(30)}-2`);
    // A session claiming the nick it holds keeps it (a resume).
    expect(await b.claimNick('/', 'Bob', 's1')).toBe('Bob');
  });

  it('frees a nick on release by its holder only', async () => {
    const [a] = (await backend.nodes(1)) as [Presence];
    expect(await a.claimNick('/', 'ann', 's1')).toBe('ann');
    await a.releaseNick('/', 'ann', 'someone-else');
    expect(await a.claimNick('/', 'ann', 's2')).toBe('ann-2');
    await a.releaseNick('/', 'ANN', 's1');
    expect(await a.claimNick('/', 'ann', 's3')).toBe('ann');
  });

  it('counts and lists the members of a room on every node', async () => {
    const nodes = await backend.nodes(backend.max);
    const ids = nodes.map((_, i) => `n${i + 1}`);
    let expected = 0;
    for (const [i, p] of nodes.entries()) {
      expected++;
      expect(await p.join('/', 'r', member(`s${i}`, `nick${i}`, ids[i] as string))).toEqual({
        members: expected,
        added: true,
      });
    }
    const a = nodes[0] as Presence;
    const b = nodes.at(-1) as Presence;
    expect(await a.join('/', 'x', member('sx', 'other', 'n1'))).toEqual({ members: 1, added: true });
    // A rejoin of a member (a rename, a resume) replaces its entry: not added, same count.
    expect(await a.join('/', 'x', member('sx', 'renamed', 'n1'))).toEqual({ members: 1, added: false });
    expect(await a.members('/', 'x')).toEqual(['renamed']);
    expect((await b.members('/', 'r')).sort()).toEqual(nodes.map((_, i) => `nick${i}`));
    expect(await a.count('/', 'r')).toBe(nodes.length);
    expect(await a.count('/', 'nowhere')).toBe(0);
    expect(await a.members('/other', 'r')).toEqual([]);
    expect(await b.leave('/', 'r', `s${nodes.length - 1}`)).toBe(nodes.length - 1);
    expect(await a.leave('/', 'r', 'not-a-member')).toBe(nodes.length - 1);
  });

  it('records the owner of a session, hands it over, and forgets it only for its owner', async () => {
    const [a] = (await backend.nodes(1)) as [Presence];
    expect(await a.ownerOf('/', 's1')).toBeUndefined();
    expect(await a.claimSession('/', 's1', 'n1')).toBeUndefined();
    expect(await a.claimSession('/', 's1', 'n2')).toBe('n1');
    await a.releaseSession('/', 's1', 'n1');
    expect(await a.ownerOf('/', 's1')).toBe('n2');
    await a.releaseSession('/', 's1', 'n2');
    expect(await a.ownerOf('/', 's1')).toBeUndefined();
  });
});

describe('RedisPresence across nodes', () => {
  it('keeps a session that moved to another node a member when the old node lets it go', async () => {
    const [a, b] = (await REDIS_BACKEND.nodes(2)) as [Presence, Presence];
    await a.join('/', 'r', member('s1', 'ann', 'n1'));
    await b.join('/', 'r', member('s1', 'ann', 'n2'));
    expect(await a.leave('/', 'r', 's1')).toBe(1);
    expect(await b.members('/', 'r')).toEqual(['ann']);
  });

  it('drops the members, nicks and sessions of a node that stops heart-beating, and reports them once', async () => {
    await REDIS_BACKEND.nodes(0);
    const departures: Departure[] = [];
    const dying = await redisNode('dying', 900);
    const watcher = await redisNode('watcher', 900, (gone) => departures.push(...gone));
    await dying.presence.claimNick('/', 'zed', 'sz');
    await dying.presence.join('/', 'r', member('sz', 'zed', 'dying'));
    await dying.presence.claimSession('/', 'sz', 'dying');
    await watcher.presence.join('/', 'r', member('sw', 'wes', 'watcher'));
    // The node's connection is cut as a crash would cut it: no clean close, no more heartbeats.
    dying.clients.command.disconnect();
    dying.clients.subscriber.disconnect();
    await vi.waitFor(() => expect(departures).toHaveLength(1), { timeout: 5000, interval: 50 });
    expect(departures[0]).toEqual({ ns: '/', room: 'r', session: 'sz', nick: 'zed', node: 'dying' });
    expect(await watcher.presence.members('/', 'r')).toEqual(['wes']);
    expect(await watcher.presence.ownerOf('/', 'sz')).toBeUndefined();
    expect(await watcher.presence.claimNick('/', 'zed', 'new')).toBe('zed');
  });

  it('puts its share back when Redis restarts empty', async () => {
    await REDIS_BACKEND.nodes(0);
    const node = await redisNode('keeper', 900);
    await node.presence.claimNick('/', 'kim', 'sk');
    await node.presence.join('/', 'kept', member('sk', 'kim', 'keeper'));
    await node.presence.claimSession('/', 'sk', 'keeper');
    await redis.stop();
    await redis.start();
    await vi.waitFor(async () => expect(await node.presence.members('/', 'kept')).toEqual(['kim']), {
      timeout: 8000,
      interval: 50,
    });
    expect(await node.presence.ownerOf('/', 'sk')).toBe('keeper');
    expect(await node.presence.claimNick('/', 'kim', 'other')).toBe('kim-2');
  });
});
