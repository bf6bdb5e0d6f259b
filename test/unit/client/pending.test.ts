import { describe, expect, it } from 'vitest';
import { PendingSends } from '../../../src/client/core/pending.js';

function queue() {
  let n = 0;
  return new PendingSends(() => `c${++n}`);
}

describe('PendingSends', () => {
  it('keeps typed messages in order and hands each out once for sending', () => {
    const q = queue();
    q.add('lobby', 'one');
    q.add('lobby', 'two');
    const sent = q.takeQueued();
    expect(sent.map((e) => [e.cid, e.text, e.state, e.attempts])).toEqual([
      ['c1', 'one', 'sending', 1],
      ['c2', 'two', 'sending', 1],
    ]);
    expect(q.takeQueued()).toEqual([]);
  });

  it('resends with the same cid after a dropped connection, in the original order', () => {
    const q = queue();
    q.add('lobby', 'one');
    q.takeQueued();
    q.add('lobby', 'two');
    q.requeue();
    const again = q.takeQueued();
    expect(again.map((e) => [e.cid, e.attempts])).toEqual([
      ['c1', 2],
      ['c2', 1],
    ]);
  });

  it('lets a confirmed message leave the queue, once', () => {
    const q = queue();
    const { cid } = q.add('lobby', 'hi');
    q.takeQueued();
    expect(q.confirm(cid)?.text).toBe('hi');
    expect(q.confirm(cid)).toBeUndefined();
    expect(q.has(cid)).toBe(false);
    q.requeue();
    expect(q.takeQueued()).toEqual([]);
  });

  it('keeps a refused message as failed until retried, then sends it again with its cid', () => {
    const q = queue();
    const { cid } = q.add('lobby', 'hi');
    q.takeQueued();
    const failed = q.fail(cid, { code: 'rate_limited', message: 'slow down' });
    expect(failed).toMatchObject({ state: 'failed', error: { code: 'rate_limited' } });
    q.requeue();
    expect(q.takeQueued()).toEqual([]);
    expect(q.retry(cid)?.state).toBe('queued');
    expect(q.retry(cid)).toBeUndefined();
    const [again] = q.takeQueued();
    expect(again).toMatchObject({ cid, attempts: 2, state: 'sending' });
    expect(again?.error).toBeUndefined();
  });

  it('forgets a discarded message', () => {
    const q = queue();
    const { cid } = q.add('lobby', 'hi');
    expect(q.discard(cid)?.text).toBe('hi');
    expect(q.list()).toEqual([]);
    expect(q.fail(cid, { code: 'x', message: 'y' })).toBeUndefined();
  });

  it('never hands out a cid twice, even if the generator repeats', () => {
    const ids = ['a', 'a', 'b'];
    const q = new PendingSends(() => ids.shift() ?? 'z');
    expect([q.add('r', '1').cid, q.add('r', '2').cid]).toEqual(['a', 'b']);
  });

  it('returns copies, so callers cannot change the queue', () => {
    const q = queue();
    const entry = q.add('lobby', 'hi');
    entry.state = 'failed';
    const [listed] = q.list();
    if (listed) listed.text = 'changed';
    expect(q.list()[0]).toMatchObject({ state: 'queued', text: 'hi' });
  });
});
