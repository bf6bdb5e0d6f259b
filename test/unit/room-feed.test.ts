import { describe, expect, it } from 'vitest';
import type { Bus, BusEvent } from '../../src/bus/bus.js';
import { MemoryPresence } from '../../src/core/memory-presence.js';
import { RoomFeed } from '../../src/core/room-feed.js';
import type { History, NewMessage, RangeQuery, StoredMessage } from '../../src/history/history.js';
import { MemoryHistory } from '../../src/history/memory.js';
import type { MessageLog } from '../../src/ports/message-log.js';
import type { Frame } from '../helpers/client.js';
import { testHub } from '../helpers/memory-connection.js';

/** A small deterministic PRNG (mulberry32), so a failing order can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The wire between nodes, as a hostile network makes it: every published message is queued per node and
 * `pump()` delivers the queue in a shuffled order; a share of them never arrives. Storage is one shared
 * History, as Redis would be.
 */
class LossyNet {
  readonly handlers: ((ns: string, m: StoredMessage) => void)[] = [];
  private queue: (() => void)[] = [];
  dropped = 0;
  reliable = false;

  constructor(
    private readonly rand: () => number,
    private readonly dropRate: number,
  ) {}

  publish(ns: string, message: StoredMessage): void {
    for (const handler of this.handlers) {
      if (!this.reliable && this.rand() < this.dropRate) {
        this.dropped++;
        continue;
      }
      this.queue.push(() => handler(ns, message));
    }
  }

  pump(): void {
    const queue = this.queue;
    this.queue = [];
    for (let i = queue.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [queue[i], queue[j]] = [queue[j] as () => void, queue[i] as () => void];
    }
    for (const deliver of queue) deliver();
  }
}

/** One node's MessageLog over the shared history and the lossy net; counts its history range reads. */
class NetLog implements MessageLog {
  ranges = 0;
  constructor(
    private readonly history: History,
    private readonly net: LossyNet,
  ) {}
  async append(ns: string, room: string, message: NewMessage) {
    const result = await this.history.append(ns, room, message);
    if (!result.duplicate) this.net.publish(ns, result.message);
    return result;
  }
  subscribe(handler: (ns: string, m: StoredMessage) => void) {
    this.net.handlers.push(handler);
  }
  info(ns: string, room: string) {
    return this.history.info(ns, room);
  }
  range(ns: string, room: string, query: RangeQuery) {
    this.ranges++;
    return this.history.range(ns, room, query);
  }
  close() {
    return Promise.resolve();
  }
}

/** A bus shared by every node of the test: a direct call to each subscriber. */
class SharedBus {
  private readonly handlers: ((e: BusEvent) => void)[] = [];
  node(): Bus {
    return {
      publish: (event) => {
        for (const h of this.handlers) h(event);
      },
      subscribe: (handler) => {
        this.handlers.push(handler);
      },
      close: () => Promise.resolve(),
    };
  }
}

/** Two hubs (nodes) over one history, one presence, one bus, and a lossy, reordering message wire. */
function twoNodes(seed: number, dropRate: number) {
  const history = new MemoryHistory({ limit: 10_000, newEpoch: () => 'E' });
  const net = new LossyNet(random(seed), dropRate);
  const presence = new MemoryPresence();
  const bus = new SharedBus();
  const nodes = ['a', 'b'].map((nodeId) => {
    const log = new NetLog(history, net);
    let ids = 0;
    // Ids unique across the nodes, as random ones are.
    const newId = (prefix: 's' | 'm') => `${prefix}_${nodeId}${String(++ids).padStart(10, '0')}`;
    const t = testHub({ log, presence, bus: bus.node(), nodeId, newId });
    return { t, log };
  });
  const settle = async () => {
    for (const { t } of nodes) await t.settle();
  };
  return { net, nodes, settle };
}

const messageSeqs = (frames: Frame[], room = 'r') =>
  frames.filter((f) => f.type === 'message' && f.room === room).map((f) => f.seq);

describe('RoomFeed: one ordering point per room per node', () => {
  it('shows every member of two hubs 1..N exactly once, in order, over a wire that reorders and drops', async () => {
    for (const seed of [1, 2, 3]) {
      const { net, nodes, settle } = twoNodes(seed, 0.2);
      const members = nodes.flatMap(({ t }, n) =>
        [0, 1, 2].map((i) => {
          const m = t.connect();
          m.send({ type: 'hello', nick: `n${n}m${i}` });
          m.send({ type: 'join', room: 'r', id: 1 });
          return m;
        }),
      );
      await settle();
      const N = 60;
      const rand = random(seed * 7);
      for (let i = 0; i < N; i++) {
        (members[i % members.length] as (typeof members)[number]).send({
          type: 'say',
          room: 'r',
          text: `t${i}`,
          id: 100 + i,
        });
        // The wire delivers whenever it likes: some turns, nothing; others, a shuffled backlog.
        if (rand() < 0.4) {
          await settle();
          net.pump();
        }
      }
      await settle();
      // The last message is not lost, so every node learns how far the room got and fills what it missed.
      net.reliable = true;
      (members[0] as (typeof members)[number]).send({ type: 'say', room: 'r', text: 'last', id: 999 });
      for (let round = 0; round < 6; round++) {
        await settle();
        net.pump();
      }
      await settle();
      expect(net.dropped).toBeGreaterThan(0);
      const expected = Array.from({ length: N + 1 }, (_, i) => i + 1);
      for (const m of members) expect(messageSeqs(m.conn.frames())).toEqual(expected);
    }
  });

  it('in a fresh room, delivers seq 1 and 2 in order when 2 arrives first', async () => {
    const { net, nodes, settle } = twoNodes(5, 0);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const sender = a.t.connect();
    sender.send({ type: 'hello', nick: 'sender' });
    sender.send({ type: 'join', room: 'r', id: 1 });
    const reader = b.t.connect();
    reader.send({ type: 'hello', nick: 'reader' });
    reader.send({ type: 'join', room: 'r', id: 1 });
    await settle();
    sender.send({ type: 'say', room: 'r', text: 'one', id: 2 });
    await settle();
    // Hold seq 1 back: what is queued now is seq 1 for both nodes.
    const held = net as unknown as { queue: (() => void)[] };
    const first = held.queue;
    held.queue = [];
    sender.send({ type: 'say', room: 'r', text: 'two', id: 3 });
    await settle();
    net.pump(); // seq 2 first
    for (const deliver of first) deliver(); // then seq 1, late
    for (let i = 0; i < 3; i++) await settle();
    expect(messageSeqs(reader.conn.frames())).toEqual([1, 2]);
    expect(messageSeqs(sender.conn.frames())).toEqual([1, 2]);
  });

  it('fills a gap once per node, not once per member', async () => {
    const { net, nodes, settle } = twoNodes(9, 0);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const sender = a.t.connect();
    sender.send({ type: 'hello', nick: 'sender' });
    sender.send({ type: 'join', room: 'r', id: 1 });
    const readers = Array.from({ length: 50 }, (_, i) => {
      const m = b.t.connect();
      m.send({ type: 'hello', nick: `r${i}` });
      m.send({ type: 'join', room: 'r', id: 1 });
      return m;
    });
    await settle();
    net.pump();
    const before = b.log.ranges;
    // Seq 1 is lost on its way to every node; seq 2 shows the gap.
    net.reliable = false;
    (net as unknown as { dropRate: number }).dropRate = 1;
    sender.send({ type: 'say', room: 'r', text: 'lost', id: 2 });
    await settle();
    (net as unknown as { dropRate: number }).dropRate = 0;
    sender.send({ type: 'say', room: 'r', text: 'seen', id: 3 });
    await settle();
    net.pump();
    for (let i = 0; i < 3; i++) await settle();
    expect(b.log.ranges - before).toBe(1);
    for (const r of readers) expect(messageSeqs(r.conn.frames())).toEqual([1, 2]);
  });

  it('steps over messages trimmed from history before a gap could be filled, telling members with gap', async () => {
    const history = new MemoryHistory({ limit: 2, newEpoch: () => 'E' });
    const net = new LossyNet(random(3), 0);
    const log = new NetLog(history, net);
    const t = testHub({ log });
    const reader = t.connect();
    reader.send({ type: 'hello', nick: 'reader' });
    reader.send({ type: 'join', room: 'r', id: 1 });
    await t.settle();
    // Five messages stored while the wire loses all of them; history keeps only the last two.
    (net as unknown as { dropRate: number }).dropRate = 1;
    for (let i = 0; i < 5; i++) await history.append('/', 'r', msg(`t${i}`));
    (net as unknown as { dropRate: number }).dropRate = 0;
    const { message } = await history.append('/', 'r', msg('t5'));
    net.publish('/', message);
    net.pump();
    for (let i = 0; i < 3; i++) await t.settle();
    const frames = reader.conn.frames();
    expect(frames.find((f) => f.type === 'gap')).toMatchObject({
      room: 'r',
      reason: 'trimmed',
      from: 1,
      to: 4,
    });
    expect(messageSeqs(frames)).toEqual([5, 6]);
  });
});

const msg = (text: string): NewMessage => ({
  room: 'r',
  msgId: `m-${text}`,
  from: 'x',
  text,
  ts: 1,
  session: 'api',
});

describe('Sessions across nodes', () => {
  it('a resume on another node closes the session there, and the room sees no leave and no join', async () => {
    const { nodes, settle } = twoNodes(4, 0);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const watcher = a.t.connect();
    watcher.send({ type: 'hello', nick: 'watcher' });
    watcher.send({ type: 'join', room: 'r', id: 1 });
    const old = a.t.connect();
    old.send({ type: 'hello', nick: 'pat' });
    old.send({ type: 'join', room: 'r', id: 1 });
    await settle();
    const welcome = old.conn.frames().find((f) => f.type === 'welcome') as Frame;
    const joined = old.conn.frames().find((f) => f.type === 'ack' && f.id === 1) as Frame;
    const before = watcher.conn.frames().length;
    const again = b.t.connect();
    again.send({
      type: 'hello',
      nick: 'pat',
      id: 9,
      resume: { session: welcome.session, rooms: { r: { epoch: joined.epoch, seq: 0 } } },
    });
    for (let i = 0; i < 3; i++) await settle();
    expect(again.conn.frames().find((f) => f.type === 'welcome')).toMatchObject({
      session: welcome.session,
      nick: 'pat',
    });
    expect(old.conn.frames().at(-1)).toMatchObject({ type: 'bye', code: 'kicked' });
    expect(old.conn.closed).toBe(true);
    const seen = watcher.conn.frames().slice(before);
    expect(seen.filter((f) => f.type === 'presence')).toEqual([]);
    // The resumed session is still a member, on node b now: the room lists it once.
    watcher.send({ type: 'who', room: 'r', id: 5 });
    await settle();
    expect(watcher.conn.frames().find((f) => f.type === 'ack' && f.id === 5)?.members).toEqual([
      'watcher',
      'pat',
    ]);
  });

  it('a resume on the same node takes over without a leave and a join', async () => {
    const t = testHub();
    const watcher = t.connect();
    watcher.send({ type: 'hello', nick: 'watcher' });
    watcher.send({ type: 'join', room: 'r', id: 1 });
    const old = t.connect();
    old.send({ type: 'hello', nick: 'pat' });
    old.send({ type: 'join', room: 'r', id: 1 });
    await t.settle();
    const welcome = old.conn.frames().find((f) => f.type === 'welcome') as Frame;
    const before = watcher.conn.frames().length;
    const again = t.connect();
    again.send({
      type: 'hello',
      nick: 'pat',
      resume: { session: welcome.session, rooms: { r: { epoch: 'e', seq: 0 } } },
    });
    await t.settle();
    expect(old.conn.closed).toBe(true);
    expect(
      watcher.conn
        .frames()
        .slice(before)
        .filter((f) => f.type === 'presence'),
    ).toEqual([]);
    expect(again.conn.frames().find((f) => f.type === 'welcome')).toMatchObject({ nick: 'pat' });
    // When it really leaves, the room is told, and the nick is free again.
    again.conn.closed = true;
    again.session.closed();
    await t.settle();
    expect(
      watcher.conn
        .frames()
        .filter((f) => f.type === 'presence')
        .at(-1),
    ).toMatchObject({
      event: 'leave',
      nick: 'pat',
      members: 1,
    });
    const next = t.connect();
    next.send({ type: 'hello', nick: 'pat' });
    await t.settle();
    expect(next.conn.frames().find((f) => f.type === 'welcome')).toMatchObject({ nick: 'pat' });
  });
});

describe('RoomFeed when the history is replaced (Redis restarted empty)', () => {
  it('tells the sink once, follows the new epoch from seq 1 (filling what it missed), and ignores the old one', async () => {
    const msg = (seq: number, text: string): StoredMessage =>
      ({ room: 'r', seq, msgId: `m${text}`, from: 'a', text, ts: 0, session: 's' }) as StoredMessage;
    // The store as it is after the restart: epoch e2, holding its first two messages.
    const now = { epoch: 'e2', messages: [msg(1, 'new1'), msg(2, 'new2')] };
    let infos = 0;
    const source = {
      info: async () => {
        infos++;
        return { epoch: 'e1', seq: 0, first: 1 };
      },
      range: async (_ns: string, _room: string, q: RangeQuery) => ({
        info: { epoch: now.epoch, seq: 2, first: 1 },
        messages: now.messages.filter((m) => m.seq > (q.after ?? 0) && m.seq < (q.before ?? Infinity)),
      }),
    };
    const seen: string[] = [];
    const feed = new RoomFeed('/', 'r', source, {
      deliver: (m) => seen.push(m.text),
      skipped: (from, to) => seen.push(`skip ${from}-${to}`),
      reset: (epoch) => seen.push(`reset ${epoch}`),
      error: (error) => {
        throw error;
      },
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(infos).toBe(1);
    feed.receive(msg(1, 'old1'), 'e1');
    feed.receive(msg(2, 'old2'), 'e1');
    // Seq 1 of the new history was lost on the wire; seq 2 arrives with the new epoch.
    feed.receive(msg(2, 'new2'), 'e2');
    feed.receive(msg(3, 'old3'), 'e1');
    await new Promise((resolve) => setImmediate(resolve));
    feed.receive(msg(3, 'new3'), 'e2');
    expect(seen).toEqual(['old1', 'old2', 'reset e2', 'new1', 'new2', 'new3']);
  });
});
