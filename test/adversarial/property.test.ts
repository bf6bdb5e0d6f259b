import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame } from '../helpers/client.js';
import { testHub } from '../helpers/memory-connection.js';

const ROOMS = ['lobby', 'side', 'x'];
const room = fc.constantFrom(...ROOMS, 'no spaces', '', '__proto__');
const text = fc.oneof(fc.string({ maxLength: 40 }), fc.constant('\u001b[2J\u202e'), fc.constant(''));
/** Values of every JSON kind, for fields a hostile client fills with the wrong type. */
const junk = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({ __proto__: { polluted: true } }),
);

/** A request a client might send, well formed or not; `id` is filled in by the run. */
const request: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ type: fc.constant('hello'), nick: fc.string({ maxLength: 12 }) }),
  fc.record({ type: fc.constant('join'), room }),
  fc.record({ type: fc.constant('leave'), room }),
  fc.record({ type: fc.constant('say'), room, text }),
  fc.record({
    type: fc.constant('say'),
    room: fc.constant('lobby'),
    text: fc.string({ minLength: 1, maxLength: 9 }),
    cid: fc.string({ maxLength: 6 }),
  }),
  fc.record({ type: fc.constant('emit'), room, event: fc.string({ maxLength: 8 }), data: junk }),
  fc.record({ type: fc.constant('nick'), nick: fc.string({ maxLength: 40 }) }),
  fc.record({
    type: fc.constant('history'),
    room,
    before: fc.option(fc.integer(), { nil: undefined }),
    limit: fc.option(fc.integer({ min: -5, max: 500 }), { nil: undefined }),
  }),
  fc.record({ type: fc.constant('ping') }),
  fc.record({ type: fc.constantFrom('teleport', '__proto__', 'constructor', 'welcome'), x: junk }),
  fc.record({ type: fc.constant('say'), room: junk, text: junk }),
  fc.record({
    type: fc.constant('hello'),
    resume: fc.record({
      session: fc.string({ maxLength: 12 }),
      rooms: fc.dictionary(room, fc.record({ epoch: fc.string({ maxLength: 6 }), seq: fc.integer() })),
    }),
  }),
);

/** One step of a run: a hostile client sends a request or raw text, a member speaks, time passes, a client drops. */
type Step =
  | { kind: 'request'; client: number; frame: Record<string, unknown> }
  | { kind: 'raw'; client: number; text: string }
  | { kind: 'say'; member: number; text: string }
  | { kind: 'advance'; ms: number }
  | { kind: 'drop'; client: number };

const HOSTILE = 3;
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      client: fc.nat(HOSTILE - 1),
      frame: request,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      client: fc.nat(HOSTILE - 1),
      text: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.json({ maxDepth: 3 }),
        fc.constant('{"type":"say"'),
        fc.constant('[]'),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('say' as const),
      member: fc.nat(1),
      text: fc.string({ minLength: 1, maxLength: 20 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), client: fc.nat(HOSTILE - 1) }) },
);

/** The seqs and texts of room `lobby` a connection was sent, in the order it got them. */
const lobby = (frames: Frame[]) =>
  frames.filter((f) => f.type === 'message' && f.room === 'lobby').map((f) => `${f.seq}:${f.text}`);

describe('property: random frames from several clients', () => {
  it('never crash the hub, answer each request at most once, and never break the order members see', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 80, size: 'medium' }), async (steps) => {
        const t = testHub();
        const members = ['ann', 'ben'].map((nick) => {
          const m = t.connect();
          m.send({ type: 'hello', nick });
          m.send({ type: 'join', room: 'lobby', id: 1 });
          return m;
        });
        await t.settle();
        // Hostile clients start inside the room, so their frames race the members' in one order.
        const hostile = Array.from({ length: HOSTILE }, (_, i) => {
          const h = t.connect();
          if (i > 0) {
            h.send({ type: 'hello', nick: `h${i}` });
            h.send({ type: 'join', room: 'lobby', id: 1 });
          }
          return h;
        });
        await t.settle();
        const sent = hostile.map(() => [] as number[]);
        let nextId = 100;
        let said = 0;
        for (const s of steps) {
          if (s.kind === 'request') {
            const id = nextId++;
            sent[s.client]?.push(id);
            hostile[s.client]?.send({ ...s.frame, id });
          } else if (s.kind === 'raw') hostile[s.client]?.send(s.text);
          else if (s.kind === 'say') {
            said++;
            members[s.member]?.send({ type: 'say', room: 'lobby', text: s.text, id: 1000 + said });
          } else if (s.kind === 'advance') t.advance(s.ms);
          else {
            hostile[s.client]?.session.closed();
            hostile[s.client] = t.connect();
            sent[s.client] = [];
          }
          await t.settle();
        }
        await t.settle();

        // Both well-behaved members saw one order, with seq rising by exactly one.
        const [a, b] = members.map((m) => lobby(m.conn.frames()));
        expect(a).toEqual(b);
        const seqs = (a ?? []).map((entry) => Number(entry.split(':')[0]));
        seqs.forEach((seq, i) => {
          expect(seq).toBe((seqs[0] ?? 0) + i);
        });
        for (const m of members) {
          expect(m.conn.closed).toBe(false);
          expect(m.conn.frames().some((f) => f.type === 'bye')).toBe(false);
          // Every say of a member was acked exactly once.
          const acks = m.conn.frames().filter((f) => f.type === 'ack' && Number(f.id) > 1000);
          expect(new Set(acks.map((f) => f.id)).size).toBe(acks.length);
        }
        const acked = members.flatMap((m) =>
          m.conn.frames().filter((f) => f.type === 'ack' && Number(f.id) > 1000),
        );
        expect(acked).toHaveLength(said);
        // A hostile request is answered at most once, and exactly once while its connection stays open.
        hostile.forEach((h, i) => {
          const answers = h.conn
            .frames()
            .filter((f) => (f.type === 'ack' || f.type === 'error') && typeof f.id === 'number');
          const counts = new Map<unknown, number>();
          for (const f of answers) counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
          for (const n of counts.values()) expect(n).toBe(1);
          if (!h.conn.closed) for (const id of sent[i] ?? []) expect(counts.get(id), `request ${id}`).toBe(1);
        });
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
