import { describe, expect, it } from 'vitest';
import { MemoryHistory } from '../../src/history/memory.js';

const msg = (text: string, cid?: string) => ({
  room: 'r',
  msgId: `m-${text}`,
  from: 'a',
  text,
  ts: 1,
  session: 's1',
  ...(cid ? { cid } : {}),
});

describe('MemoryHistory', () => {
  it('numbers appends by one, trims to the bound, and pages by seq', async () => {
    const h = new MemoryHistory({ limit: 3, newEpoch: () => 'E' });
    for (let i = 1; i <= 5; i++) expect((await h.append('/', 'r', msg(`t${i}`))).message.seq).toBe(i);
    expect(await h.info('/', 'r')).toEqual({ epoch: 'E', seq: 5, first: 3 });
    const seqs = async (q: Parameters<MemoryHistory['range']>[2]) =>
      (await h.range('/', 'r', q)).messages.map((m) => m.seq);
    expect(await seqs({ limit: 10 })).toEqual([3, 4, 5]);
    expect(await seqs({ limit: 2 })).toEqual([4, 5]);
    expect(await seqs({ after: 3, limit: 10 })).toEqual([4, 5]);
    expect(await seqs({ after: 0, limit: 1 })).toEqual([3]);
    expect(await seqs({ before: 5, limit: 1 })).toEqual([4]);
    expect(await seqs({ after: 5, limit: 10 })).toEqual([]);
    expect(await h.info('/', 'empty')).toMatchObject({ seq: 0, first: 1 });
  });

  it('returns the earlier message for a repeated session and cid while it is held', async () => {
    const h = new MemoryHistory({ limit: 2, newEpoch: () => 'E' });
    const first = await h.append('/', 'r', msg('x', 'c1'));
    const again = await h.append('/', 'r', msg('x', 'c1'));
    expect(again).toEqual({ message: first.message, duplicate: true });
    const other = await h.append('/', 'r', { ...msg('x', 'c1'), session: 's2' });
    expect(other.duplicate).toBe(false);
    await h.append('/', 'r', msg('y'));
    await h.append('/', 'r', msg('z'));
    // c1 of s1 has been trimmed away, so it is a new message now.
    expect((await h.append('/', 'r', msg('x', 'c1'))).duplicate).toBe(false);
  });

  it('keeps rooms of different namespaces apart under the store epoch, and stores nothing on a read', async () => {
    let n = 0;
    const h = new MemoryHistory({ newEpoch: () => `E${++n}` });
    await h.append('/', 'r', msg('a'));
    await h.append('/other', 'r', msg('b'));
    await h.append('/other', 'r', msg('c'));
    expect((await h.info('/', 'r')).seq).toBe(1);
    expect((await h.info('/other', 'r')).seq).toBe(2);
    expect((await h.info('/', 'r')).epoch).toBe('E1');
    // A room read before its first message has the epoch it will keep once written.
    expect(await h.info('/', 'later')).toEqual({ epoch: 'E1', seq: 0, first: 1 });
    expect((await h.range('/', 'never', { limit: 5 })).messages).toEqual([]);
    await h.append('/', 'later', msg('d'));
    expect(await h.info('/', 'later')).toEqual({ epoch: 'E1', seq: 1, first: 1 });
    expect(await new MemoryHistory({ newEpoch: () => `E${++n}` }).info('/', 'r')).toMatchObject({
      epoch: 'E2',
      seq: 0,
    });
  });
});
