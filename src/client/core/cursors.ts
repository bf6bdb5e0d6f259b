/** Where the client stands in one room's history: the history's epoch and the last seq it handled. */
export interface RoomCursor {
  epoch: string;
  seq: number;
}

/**
 * Resume bookkeeping and de-duplication for the rooms a client is in. A message is new only when its seq
 * is above the last one handled in the room; a `gap` with reason `epoch` starts the count again in the
 * new history. What `resumeRooms()` returns is what `hello.resume.rooms` carries.
 */
export class RoomCursors {
  private readonly rooms = new Map<string, RoomCursor>();

  /** Starts (or restarts) tracking a room at the epoch and seq a join ack reported. */
  set(room: string, epoch: string, seq: number): void {
    this.rooms.set(room, { epoch, seq });
  }

  /** Stops tracking a room (after leaving it). */
  delete(room: string): void {
    this.rooms.delete(room);
  }

  /** The cursor of a room, if tracked. */
  get(room: string): RoomCursor | undefined {
    const cursor = this.rooms.get(room);
    return cursor ? { ...cursor } : undefined;
  }

  /** Whether the room is tracked. */
  has(room: string): boolean {
    return this.rooms.has(room);
  }

  /** Records a message and says whether it is new (true) or a duplicate or for an untracked room (false). */
  accept(room: string, seq: number): boolean {
    const cursor = this.rooms.get(room);
    if (!cursor || seq <= cursor.seq) return false;
    cursor.seq = seq;
    return true;
  }

  /** Applies a `gap`: a new epoch restarts the count from 0, so the new history's messages are all new. */
  gap(room: string, reason: string, epoch: string | undefined): void {
    const cursor = this.rooms.get(room);
    if (!cursor || reason !== 'epoch' || epoch === undefined) return;
    cursor.epoch = epoch;
    cursor.seq = 0;
  }

  /** Applies the `resumed` report: the epoch is the server's, and the seq never moves backwards within it. */
  resumed(room: string, epoch: string, seq: number): void {
    const cursor = this.rooms.get(room);
    if (!cursor) return;
    if (cursor.epoch !== epoch) {
      cursor.epoch = epoch;
      cursor.seq = seq;
      return;
    }
    cursor.seq = Math.max(cursor.seq, seq);
  }

  /** The `resume.rooms` object of a hello: every tracked room with its epoch and last seq. */
  resumeRooms(): Record<string, RoomCursor> {
    const out: Record<string, RoomCursor> = {};
    for (const [room, cursor] of this.rooms) out[room] = { ...cursor };
    return out;
  }

  /** Names of the tracked rooms, in the order they were joined. */
  names(): string[] {
    return [...this.rooms.keys()];
  }
}
