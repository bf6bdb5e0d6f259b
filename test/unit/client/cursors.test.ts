import { describe, expect, it } from 'vitest';
import { RoomCursors } from '../../../src/client/core/cursors.js';

describe('RoomCursors', () => {
  it('accepts each seq once and drops replays of what was handled', () => {
    const cursors = new RoomCursors();
    cursors.set('lobby', 'e1', 10);
    expect([11, 12, 12, 11, 13, 10].map((seq) => cursors.accept('lobby', seq))).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
    expect(cursors.get('lobby')).toEqual({ epoch: 'e1', seq: 13 });
  });

  it('ignores messages for rooms it does not follow', () => {
    const cursors = new RoomCursors();
    expect(cursors.accept('elsewhere', 1)).toBe(false);
    cursors.set('lobby', 'e1', 0);
    cursors.delete('lobby');
    expect(cursors.accept('lobby', 1)).toBe(false);
    expect(cursors.has('lobby')).toBe(false);
  });

  it('builds the resume object of a hello from every followed room', () => {
    const cursors = new RoomCursors();
    cursors.set('lobby', 'e1', 41);
    cursors.set('dev', 'e9', 3);
    cursors.accept('dev', 4);
    expect(cursors.resumeRooms()).toEqual({ lobby: { epoch: 'e1', seq: 41 }, dev: { epoch: 'e9', seq: 4 } });
    expect(cursors.names()).toEqual(['lobby', 'dev']);
  });

  it('starts counting again after an epoch gap, so the new history is not mistaken for duplicates', () => {
    const cursors = new RoomCursors();
    cursors.set('lobby', 'old', 120);
    cursors.gap('lobby', 'epoch', 'new');
    expect(cursors.get('lobby')).toEqual({ epoch: 'new', seq: 0 });
    expect(cursors.accept('lobby', 1)).toBe(true);
    expect(cursors.accept('lobby', 2)).toBe(true);
    expect(cursors.accept('lobby', 1)).toBe(false);
  });

  it('keeps its place on a trimmed gap: the next messages have higher seqs anyway', () => {
    const cursors = new RoomCursors();
    cursors.set('lobby', 'e1', 5);
    cursors.gap('lobby', 'trimmed', undefined);
    expect(cursors.get('lobby')).toEqual({ epoch: 'e1', seq: 5 });
    expect(cursors.accept('lobby', 40)).toBe(true);
  });

  it('never moves backwards on a resumed report within the same epoch', () => {
    const cursors = new RoomCursors();
    cursors.set('lobby', 'e1', 10);
    cursors.accept('lobby', 12);
    cursors.resumed('lobby', 'e1', 11);
    expect(cursors.get('lobby')?.seq).toBe(12);
    cursors.resumed('lobby', 'e1', 20);
    expect(cursors.get('lobby')?.seq).toBe(20);
    cursors.resumed('lobby', 'e2', 3);
    expect(cursors.get('lobby')).toEqual({ epoch: 'e2', seq: 3 });
    cursors.resumed('unknown', 'e1', 3);
    expect(cursors.has('unknown')).toBe(false);
  });

  it('hands out copies, so callers cannot move a cursor by accident', () => {
    const cursors = new RoomCursors();
    cursors.set('lobby', 'e1', 1);
    const copy = cursors.get('lobby');
    if (copy) copy.seq = 99;
    const rooms = cursors.resumeRooms();
    if (rooms.lobby) rooms.lobby.seq = 99;
    expect(cursors.get('lobby')?.seq).toBe(1);
  });
});
