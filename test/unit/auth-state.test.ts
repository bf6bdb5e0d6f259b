import { describe, expect, it } from 'vitest';
import { allowsRoom, ExpiryQueue, isExpired, refreshed, refusalError } from '../../src/core/auth-state.js';
import type { AuthResult } from '../../src/ports/admission.js';
import { ProtocolError } from '../../src/protocol/errors.js';
import { testHub } from '../helpers/memory-connection.js';

describe('auth state (pure)', () => {
  it('allows every room without identity or room list, `*` too, and only the listed ones otherwise', () => {
    expect(allowsRoom(undefined, 'x')).toBe(true);
    expect(allowsRoom({ subject: 'u' }, 'x')).toBe(true);
    expect(allowsRoom({ subject: 'u', rooms: ['*'] }, 'x')).toBe(true);
    expect(allowsRoom({ subject: 'u', rooms: ['lobby'] }, 'lobby')).toBe(true);
    expect(allowsRoom({ subject: 'u', rooms: ['lobby'] }, 'Lobby')).toBe(false);
    expect(allowsRoom({ subject: 'u', rooms: [] }, 'lobby')).toBe(false);
  });

  it('expires at the deadline, never without one', () => {
    expect(isExpired({ subject: 'u', expiresAt: 100 }, 99)).toBe(false);
    expect(isExpired({ subject: 'u', expiresAt: 100 }, 100)).toBe(true);
    expect(isExpired({ subject: 'u' }, Number.MAX_SAFE_INTEGER)).toBe(false);
  });

  it('maps a refusal to its registered code, and an unknown code to unauthorized', () => {
    expect(refusalError({ ok: false, code: 'token_expired', message: 'old' })).toMatchObject({
      code: 'token_expired',
      message: 'old',
    });
    expect(refusalError({ ok: false, code: 'teapot', message: '' }).code).toBe('unauthorized');
    expect(refusalError({ ok: false, code: 'toString', message: 'x' }).code).toBe('unauthorized');
  });

  it('refreshes only to an identity of the same subject', () => {
    const current = { subject: 'u1', expiresAt: 1 };
    const same: AuthResult = { ok: true, identity: { subject: 'u1', expiresAt: 2 } };
    expect(refreshed(current, same)).toEqual({ subject: 'u1', expiresAt: 2 });
    const other = refreshed(current, { ok: true, identity: { subject: 'u2', expiresAt: 2 } });
    expect(other).toBeInstanceOf(ProtocolError);
    expect((other as ProtocolError).code).toBe('unauthorized');
    expect(refreshed(undefined, same)).toBeInstanceOf(ProtocolError);
    expect(
      (refreshed(current, { ok: false, code: 'token_expired', message: 'x' }) as ProtocolError).code,
    ).toBe('token_expired');
  });
});

describe('ExpiryQueue', () => {
  it('returns due keys earliest first, honours re-set and delete, and keeps the rest', () => {
    const q = new ExpiryQueue<string>();
    q.set('a', 30);
    q.set('b', 10);
    q.set('c', 20);
    q.set('a', 5); // moved earlier
    q.set('c', 50); // moved later
    q.set('d', 15);
    q.delete('d');
    expect(q.next()).toBe(5);
    expect(q.due(25)).toEqual(['a', 'b']);
    expect(q.size).toBe(1);
    expect(q.due(49)).toEqual([]);
    expect(q.due(50)).toEqual(['c']);
    expect(q.next()).toBeUndefined();
  });

  it('agrees with a sorted list over many random operations (stale entries rebuilt away)', () => {
    const q = new ExpiryQueue<number>();
    const model = new Map<number, number>();
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    let now = 0;
    for (let step = 0; step < 5000; step++) {
      const key = rand(200);
      const op = rand(10);
      if (op < 6) {
        const at = now + rand(1000);
        q.set(key, at);
        model.set(key, at);
      } else if (op < 8) {
        q.delete(key);
        model.delete(key);
      } else {
        now += rand(100);
        const expected = [...model].filter(([, at]) => at <= now).sort((x, y) => x[1] - y[1]);
        const got = q.due(now);
        expect(got.map((k) => model.get(k))).toEqual(expected.map(([, at]) => at));
        expect(new Set(got)).toEqual(new Set(expected.map(([k]) => k)));
        for (const k of got) model.delete(k);
      }
      expect(q.size).toBe(model.size);
    }
  });
});

describe('Hub with an identity (manual clock)', () => {
  it('ends an expired session with bye token_expired on expire(now), and only that one', async () => {
    const t = testHub({
      authenticate: ({ token }) => ({
        ok: true,
        identity: { subject: token ?? '', ...(token === 'short' ? { expiresAt: 2_000_000 } : {}) },
      }),
    });
    const short = t.connect();
    const forever = t.connect();
    short.send({ type: 'hello', token: 'short' });
    forever.send({ type: 'hello', token: 'long' });
    await t.settle();
    expect(short.conn.frames()[0]).toMatchObject({ type: 'welcome', expiresAt: 2_000_000 });
    expect(t.hub.expire(1_999_999)).toBe(0);
    expect(t.hub.expire(2_000_000)).toBe(1);
    expect(short.conn.frames().at(-1)).toMatchObject({ type: 'bye', code: 'token_expired' });
    expect(short.conn.closed).toBe(true);
    expect(forever.conn.closed).toBe(false);
    expect(t.hub.expire(Number.MAX_SAFE_INTEGER)).toBe(0);
  });

  it('a refresh moves the expiry; a closed session leaves the queue', async () => {
    let exp = 2_000_000;
    const t = testHub({ authenticate: () => ({ ok: true, identity: { subject: 'u', expiresAt: exp } }) });
    const c = t.connect();
    c.send({ type: 'hello', token: 'a' });
    await t.settle();
    exp = 3_000_000;
    c.send({ type: 'refresh', id: 2, token: 'b' });
    await t.settle();
    expect(c.conn.frames().at(-1)).toEqual({ type: 'ack', id: 2, expiresAt: 3_000_000 });
    expect(t.hub.expire(2_500_000)).toBe(0);
    c.session.closed();
    expect(t.hub.expire(3_000_000)).toBe(0);
  });

  it('a hello refused with a code says it and closes; with no auth hook refresh is unauthorized', async () => {
    const refusing = testHub({ authenticate: () => ({ ok: false, code: 'unauthorized', message: 'no' }) });
    const c = refusing.connect();
    c.send({ type: 'hello', id: 1 });
    await refusing.settle();
    expect(c.conn.frames()).toMatchObject([
      { type: 'error', id: 1, code: 'unauthorized' },
      { type: 'bye', code: 'kicked' },
    ]);
    const open = testHub();
    const d = open.connect();
    d.send({ type: 'hello' });
    d.send({ type: 'refresh', id: 2, token: 't' });
    await open.settle();
    expect(d.conn.frames().at(-1)).toMatchObject({ type: 'error', id: 2, code: 'unauthorized' });
  });
});
